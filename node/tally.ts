/**
 * Counters and histograms for the paths every request takes, written out in Prometheus's
 * text format when /metrics is scraped. prom-client's own turn the label values of every
 * observation into a key string and check them against the label names: about 0.8 µs for a
 * counter and a histogram together (measured here), and a node made such a pair for each
 * request, each node-to-node call it made and each one it served. A tally finds its cell
 * through nested Maps of the label values themselves (route patterns, call paths, peers,
 * outcome codes: few, and the same strings every time), and formats nothing until a scrape.
 */

export interface TallyOptions {
  name: string;
  help: string;
  /** At most three: cells are found through one Map per label. */
  labelNames: readonly string[];
  /** Upper bounds of a histogram's buckets, ascending; none for a counter. */
  buckets?: readonly number[];
}

interface Cell {
  readonly values: readonly string[];
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  readonly perBucket: number[];
}

type Level = Map<string, Level | Cell>;

export class Tally {
  private readonly root: Level = new Map();
  private readonly cells: Cell[] = [];

  constructor(private readonly options: TallyOptions) {
    if (options.labelNames.length > 3) throw new Error(`${options.name}: a tally takes at most three labels`);
    // Without labels there is one series, shown (at zero) from the start, as prom-client does.
    if (options.labelNames.length === 0) this.cell('', '', '');
  }

  /** One observation of `value` (1 for a counter) under the label values, in the order of labelNames. */
  add(value: number, a = '', b = '', c = ''): void {
    const cell = this.cell(a, b, c);
    cell.count++;
    cell.sum += value;
    const bounds = this.options.buckets;
    if (!bounds) return;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    cell.perBucket[i]++;
  }

  /** The family in the text format, each sample carrying `defaultLabels` (already formatted, `node="…"`) after its own. */
  text(defaultLabels: string): string {
    const { name, help, buckets } = this.options;
    const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${buckets ? 'histogram' : 'counter'}`];
    for (const cell of this.cells) {
      const own = this.options.labelNames.map((label, i) => `${label}="${escapeValue(cell.values[i])}"`);
      const labels = (extra: string[] = []) => {
        const all = [...extra, ...own, ...(defaultLabels ? [defaultLabels] : [])];
        return all.length > 0 ? `{${all.join(',')}}` : '';
      };
      if (!buckets) {
        lines.push(`${name}${labels()} ${cell.count}`);
        continue;
      }
      let cumulative = 0;
      buckets.forEach((bound, i) => {
        cumulative += cell.perBucket[i];
        lines.push(`${name}_bucket${labels([`le="${bound}"`])} ${cumulative}`);
      });
      lines.push(`${name}_bucket${labels(['le="+Inf"'])} ${cell.count}`, `${name}_sum${labels()} ${cell.sum}`, `${name}_count${labels()} ${cell.count}`);
    }
    return lines.join('\n');
  }

  private cell(a: string, b: string, c: string): Cell {
    const first = this.level(this.root, a);
    const second = this.level(first, b);
    const found = second.get(c) as Cell | undefined;
    if (found) return found;
    const cell: Cell = { values: [a, b, c], count: 0, sum: 0, perBucket: new Array<number>((this.options.buckets?.length ?? 0) + 1).fill(0) };
    second.set(c, cell);
    this.cells.push(cell);
    return cell;
  }

  private level(parent: Level, value: string): Level {
    let next = parent.get(value) as Level | undefined;
    if (!next) {
      next = new Map();
      parent.set(value, next);
    }
    return next;
  }
}

/** Label values as the text format escapes them: backslash, double quote and newline. */
export const escapeValue = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (help: string) => help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** `labels` formatted for Tally.text. */
export const formatLabels = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => `${k}="${escapeValue(v)}"`).join(',');
