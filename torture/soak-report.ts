/**
 * What a soak run leaves behind and how it is judged: the samples as soak.csv, the memory
 * curve as soak.svg, summary.json, and the verdict (a node died, the ring stopped answering,
 * or memory grew past the allowed factor from the warm-up baseline).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lineChartSvg } from '../bench/lib/line-chart.js';
import type { Consistency } from '../common/wire.js';

export interface SoakOptions {
  readonly mode: Consistency;
  readonly nodes: number;
  readonly k: number;
  readonly seconds: number;
  /** Target operations per second. */
  readonly rate: number;
  readonly keys: number;
  /** Seconds between one kill -9 and restart and the next; 0: no churn. */
  readonly churnEverySeconds: number;
  readonly sampleEverySeconds: number;
  /** The sample at (or first after) this many seconds is the baseline memory is judged against. */
  readonly warmupSeconds: number;
  /** Fails the run when a node's RSS at the end exceeds its baseline by this factor. */
  readonly maxGrowth: number;
  readonly seed: number;
  readonly out: string;
  readonly say: (line: string) => void;
}

export interface Sample {
  /** Seconds since the load started (the end of the interval this sample covers). */
  readonly t: number;
  /** Resident memory per node slot, MiB; NaN while the node was down. */
  readonly rssMb: number[];
  readonly meanRssMb: number;
  readonly ops: number;
  readonly opsPerS: number;
  readonly errors: number;
  readonly errorCodes: Record<string, number>;
  readonly p50: number;
  readonly p99: number;
  /** Live keys (primaries summed over members) and all their copies; NaN when a member did not answer. */
  readonly keys: number;
  readonly copies: number;
  /** Operations skipped because too many were in flight: the ring fell behind the target rate. */
  readonly behind: number;
  /** The interval overlapped a churn window (a kill, the restart, the settling and the client timeout after it). */
  readonly churn: boolean;
}

export interface NodeMemory {
  readonly node: string;
  readonly startMb: number;
  readonly endMb: number;
  readonly growth: number;
  readonly restarts: number;
}

export interface SoakResult {
  readonly ok: boolean;
  readonly options: Omit<SoakOptions, 'say'>;
  readonly samples: Sample[];
  /** The baseline (the first sample at or after the warm-up) and the last sample. */
  readonly startAt: number;
  readonly endAt: number;
  readonly memory: NodeMemory[];
  readonly ops: number;
  readonly errors: Record<string, number>;
  /** Errors over operations in intervals that overlapped no churn window. */
  readonly quiet: { ops: number; errors: number; rate: number; belowThreshold: boolean };
  readonly churnSpans: [number, number][];
  readonly problems: string[];
}

/** Outside churn windows at most this share of operations may fail before the summary says so. */
export const QUIET_ERROR_THRESHOLD = 0.01;

export function judge(options: SoakOptions, samples: Sample[], problems: string[], churnSpans: [number, number][], restarts: number[]): SoakResult {
  const all = [...problems];
  if (samples.length === 0) all.push('no sample was taken');
  const start = samples.find((s) => s.t >= options.warmupSeconds - 0.5) ?? samples[0];
  const end = samples.at(-1);
  const memory: NodeMemory[] = [];
  if (start && end) {
    const rows = start.rssMb.map((mb, i) => ({ node: `node-${i}`, startMb: mb, endMb: end.rssMb[i], restarts: restarts[i] }));
    rows.push({ node: 'mean', startMb: start.meanRssMb, endMb: end.meanRssMb, restarts: restarts.reduce((a, b) => a + b, 0) });
    for (const row of rows) {
      const growth = row.endMb / row.startMb;
      memory.push({ ...row, growth });
      if (growth > options.maxGrowth) all.push(`${row.node}: RSS grew ×${growth.toFixed(2)} (${row.startMb.toFixed(1)} → ${row.endMb.toFixed(1)} MiB), more than ×${options.maxGrowth}`);
    }
  }
  const errors: Record<string, number> = {};
  for (const s of samples) for (const [code, n] of Object.entries(s.errorCodes)) errors[code] = (errors[code] ?? 0) + n;
  const quietSamples = samples.filter((s) => !s.churn);
  const quietOps = quietSamples.reduce((n, s) => n + s.ops, 0);
  const quietErrors = quietSamples.reduce((n, s) => n + s.errors, 0);
  const rate = quietOps > 0 ? quietErrors / quietOps : 0;
  return {
    ok: all.length === 0, options: { ...options, say: undefined } as Omit<SoakOptions, 'say'>, samples,
    startAt: start?.t ?? NaN, endAt: end?.t ?? NaN, memory,
    ops: samples.reduce((n, s) => n + s.ops, 0), errors,
    quiet: { ops: quietOps, errors: quietErrors, rate, belowThreshold: rate <= QUIET_ERROR_THRESHOLD },
    churnSpans, problems: all,
  };
}

const fixed = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '');
const growth = (g: number) => (Number.isFinite(g) ? `×${g.toFixed(2)} (${g >= 1 ? '+' : ''}${((g - 1) * 100).toFixed(0)} %)` : '–');

export function csv(samples: readonly Sample[]): string {
  const nodes = samples[0]?.rssMb.length ?? 0;
  const header = ['t_s', ...Array.from({ length: nodes }, (_, i) => `node${i}_rss_mb`), 'mean_rss_mb', 'ops_per_s', 'errors', 'p50_ms', 'p99_ms', 'keys', 'copies', 'behind', 'churn'];
  const rows = samples.map((s) => [
    fixed(s.t), ...s.rssMb.map((v) => fixed(v)), fixed(s.meanRssMb), fixed(s.opsPerS), s.errors, fixed(s.p50, 2), fixed(s.p99, 2),
    Number.isFinite(s.keys) ? s.keys : '', Number.isFinite(s.copies) ? s.copies : '', s.behind, s.churn ? 1 : 0,
  ].join(','));
  return [header.join(','), ...rows].join('\n') + '\n';
}

export function chart(result: SoakResult): string {
  const { samples, options } = result;
  const minutes = samples.map((s) => s.t / 60);
  const nodes = samples[0]?.rssMb.length ?? 0;
  return lineChartSvg({
    title: `Soak: RSS per node, ${options.nodes} nodes, k=${options.k}, ${options.mode}, ${options.rate} ops/s target`,
    xLabel: 'minutes since the load started',
    yLabel: 'resident memory (MiB)',
    x: minutes,
    series: Array.from({ length: nodes }, (_, i) => ({ name: `node-${i}${i === 0 ? ' (bootstrap)' : ''}`, values: samples.map((s) => s.rssMb[i]) })),
    right: { label: 'operations per second', series: [{ name: 'ops/s (right axis)', values: samples.map((s) => s.opsPerS) }] },
    bands: { name: 'churn windows', spans: result.churnSpans.map(([from, to]) => [from / 60, Math.min(to, result.endAt) / 60]) },
  });
}

export async function writeFiles(dir: string, result: SoakResult): Promise<void> {
  await writeFile(join(dir, 'soak.csv'), csv(result.samples));
  await writeFile(join(dir, 'soak.svg'), chart(result));
  await writeFile(join(dir, 'summary.json'), JSON.stringify({ ...result, samples: undefined, summary: summaryLines(result) }, null, 2));
}

export function summaryLines(r: SoakResult): string[] {
  const codes = Object.entries(r.errors).sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  return [
    `RSS (MiB) at ${fixed(r.startAt, 0)} s (after warm-up) and at ${fixed(r.endAt, 0)} s:`,
    '| node | start | end | growth | restarts |',
    '| --- | --: | --: | --: | --: |',
    ...r.memory.map((m) => `| ${m.node} | ${fixed(m.startMb)} | ${Number.isFinite(m.endMb) ? fixed(m.endMb) : 'down'} | ${growth(m.growth)} | ${m.restarts} |`),
    `operations: ${r.ops} (${fixed(r.ops / Math.max(1, r.endAt))} ops/s), errors: ${codes}`,
    `outside churn windows: ${r.quiet.errors} errors in ${r.quiet.ops} operations (${fixed(r.quiet.rate * 100, 3)} %), ${r.quiet.belowThreshold ? 'below' : 'ABOVE'} the ${QUIET_ERROR_THRESHOLD * 100} % threshold`,
    `churn: ${r.churnSpans.length} kill -9 and restart${r.churnSpans.length === 1 ? '' : 's'}`,
    ...r.problems.map((p) => `problem: ${p}`),
    r.ok ? 'PASS' : 'FAIL',
  ];
}
