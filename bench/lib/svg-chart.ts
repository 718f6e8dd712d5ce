/**
 * Grouped bar charts as standalone SVG, written by hand so the experiments need no
 * dependency and the files diff as text.
 */

export interface BarChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** One group of bars per entry (e.g. k = 1, 3, 5). */
  groups: string[];
  /** One bar per group for each series; values[i] belongs to groups[i]. */
  series: { name: string; values: number[] }[];
  /** Counts: ticks at whole numbers only. */
  integer?: boolean;
}

export const COLORS = ['#3b6ea8', '#e08a2c', '#5a9e4b', '#b5475a', '#7c5ea8', '#8c6d31'];
const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { top: 48, right: 24, bottom: 80, left: 84 };

export const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round tick step (1, 2 or 5 × 10^n) giving about five ticks up to `max`. */
export function tickStep(max: number): number {
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((step) => step >= rough) ?? 10 * magnitude;
}

export function label(value: number): string {
  if (value >= 100 || Number.isInteger(value)) return String(Math.round(value));
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function barChartSvg(chart: BarChart): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const values = chart.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  // An all-zero chart (e.g. no stale reads) still needs a scale to draw its axis.
  const step = chart.integer ? Math.max(1, Math.round(tickStep(Math.max(1, ...values)))) : tickStep(Math.max(1, ...values));
  const top = Math.ceil(Math.max(1, ...values) / step) * step;
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const groupW = plotW / chart.groups.length;
  const barW = Math.min(56, (groupW * 0.8) / chart.series.length);
  const parts: string[] = [];
  const text = (x: number, yy: number, content: string, attrs = '') =>
    parts.push(`<text x="${x.toFixed(1)}" y="${yy.toFixed(1)}" ${attrs}>${escape(content)}</text>`);

  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  text(WIDTH / 2, 26, chart.title, 'text-anchor="middle" font-size="16" font-weight="bold"');
  for (let v = 0; v <= top + step / 2; v += step) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    text(MARGIN.left - 8, y(v) + 4, label(v), 'text-anchor="end" font-size="12"');
  }
  chart.groups.forEach((group, g) => {
    const start = MARGIN.left + g * groupW + (groupW - barW * chart.series.length) / 2;
    chart.series.forEach((series, s) => {
      const value = series.values[g];
      if (!Number.isFinite(value)) return;
      const x = start + s * barW;
      parts.push(`<rect x="${(x + 2).toFixed(1)}" y="${y(value).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(y(0) - y(value)).toFixed(1)}" fill="${COLORS[s % COLORS.length]}"><title>${escape(`${series.name}, ${group}: ${value}`)}</title></rect>`);
      text(x + barW / 2, y(value) - 4, label(value), 'text-anchor="middle" font-size="11"');
    });
    // Long group names wrap at their commas rather than run into the next group's.
    const wrapped = group.length * 7 > groupW ? group.split(/,\s*/) : [group];
    wrapped.forEach((part, i) => text(MARGIN.left + (g + 0.5) * groupW, y(0) + 18 + i * 15, part, 'text-anchor="middle" font-size="13"'));
  });
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${y(0)}" stroke="#333"/>`);
  text(MARGIN.left + plotW / 2, HEIGHT - 30, chart.xLabel, 'text-anchor="middle" font-size="13"');
  text(22, MARGIN.top + plotH / 2, chart.yLabel, `text-anchor="middle" font-size="13" transform="rotate(-90 22 ${MARGIN.top + plotH / 2})"`);
  // The legend runs along the bottom so it never covers a bar.
  let lx = MARGIN.left;
  chart.series.forEach((series, s) => {
    parts.push(`<rect x="${lx}" y="${HEIGHT - 16}" width="12" height="12" fill="${COLORS[s % COLORS.length]}"/>`);
    text(lx + 16, HEIGHT - 6, series.name, 'font-size="12"');
    lx += 28 + series.name.length * 7;
  });
  return svgDocument(WIDTH, HEIGHT, parts);
}

/** The SVG document around a chart's elements. */
export function svgDocument(width: number, height: number, parts: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    ...parts.map((p) => `  ${p}`),
    '</svg>',
    '',
  ].join('\n');
}
