/**
 * Line charts over time as standalone SVG, beside the bar charts of svg-chart.ts (same
 * colours and ticks), so that a soak run can draw its memory curve without a dependency.
 */
import { COLORS, escape, label, svgDocument, tickStep } from './svg-chart.js';

export interface LineSeries {
  name: string;
  /** values[i] belongs to x[i]; NaN leaves a gap (e.g. while a node was down). */
  values: number[];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  x: number[];
  /** Solid lines on the left axis. */
  series: LineSeries[];
  /** Dashed grey lines on a right axis of their own (another unit, e.g. ops/s). */
  right?: { label: string; series: LineSeries[] };
  /** Shaded spans of x (e.g. churn windows), with their legend name. */
  bands?: { name: string; spans: [number, number][] };
}

const WIDTH = 860;
const HEIGHT = 440;
const MARGIN = { top: 48, right: 84, bottom: 84, left: 84 };
const RIGHT_GREYS = ['#777777', '#aaaaaa'];

/** A scale from 0 to a round top above every finite value. */
function scale(values: number[]): { top: number; step: number } {
  const max = Math.max(1, ...values.filter((v) => Number.isFinite(v)));
  const step = tickStep(max);
  return { top: Math.ceil(max / step) * step, step };
}

/** A scale for a second axis that shares the first one's `steps` gridlines, with a round step of its own. */
function alignedScale(values: number[], steps: number): { top: number; step: number } {
  const max = Math.max(1, ...values.filter((v) => Number.isFinite(v)));
  const magnitude = 10 ** Math.floor(Math.log10(max / steps));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s * steps >= max) ?? 10 * magnitude;
  return { top: step * steps, step };
}

/** One path per run of finite values, so gaps stay gaps instead of drops to zero. */
function path(xs: number[], ys: number[], px: (v: number) => number, py: (v: number) => number): string {
  let d = '';
  let open = false;
  ys.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      open = false;
      return;
    }
    d += `${open ? 'L' : 'M'}${px(xs[i]).toFixed(1)} ${py(v).toFixed(1)} `;
    open = true;
  });
  return d.trim();
}

export function lineChartSvg(chart: LineChart): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const xs = scale(chart.x);
  const left = scale(chart.series.flatMap((s) => s.values));
  const right = chart.right ? alignedScale(chart.right.series.flatMap((s) => s.values), Math.round(left.top / left.step)) : undefined;
  const px = (v: number) => MARGIN.left + (v / xs.top) * plotW;
  const py = (top: number) => (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const parts: string[] = [];
  const text = (x: number, y: number, content: string, attrs = '') =>
    parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escape(content)}</text>`);

  parts.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  text(WIDTH / 2, 26, chart.title, 'text-anchor="middle" font-size="16" font-weight="bold"');
  // Bands first, so the lines are drawn over them.
  for (const [from, to] of chart.bands?.spans ?? []) {
    parts.push(`<rect x="${px(from).toFixed(1)}" y="${MARGIN.top}" width="${Math.max(1, px(to) - px(from)).toFixed(1)}" height="${plotH}" fill="#f4dede"/>`);
  }
  for (let v = 0; v <= left.top + left.step / 2; v += left.step) {
    const y = py(left.top)(v);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e3e3e3"/>`);
    text(MARGIN.left - 8, y + 4, label(v), 'text-anchor="end" font-size="12"');
    // The right axis shares the gridlines: same number of steps, its own values.
    if (right) text(WIDTH - MARGIN.right + 8, y + 4, label((v / left.step) * right.step), 'font-size="12" fill="#555"');
  }
  for (let v = 0; v <= xs.top + xs.step / 2; v += xs.step) text(px(v), MARGIN.top + plotH + 18, label(v), 'text-anchor="middle" font-size="12"');
  if (chart.right && right) {
    chart.right.series.forEach((s, i) => parts.push(`<path d="${path(chart.x, s.values, px, py(right.top))}" fill="none" stroke="${RIGHT_GREYS[i % RIGHT_GREYS.length]}" stroke-width="1.5" stroke-dasharray="5 3"/>`));
  }
  chart.series.forEach((s, i) => parts.push(`<path d="${path(chart.x, s.values, px, py(left.top))}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`));
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`);
  text(MARGIN.left + plotW / 2, MARGIN.top + plotH + 40, chart.xLabel, 'text-anchor="middle" font-size="13"');
  text(22, MARGIN.top + plotH / 2, chart.yLabel, `text-anchor="middle" font-size="13" transform="rotate(-90 22 ${MARGIN.top + plotH / 2})"`);
  if (chart.right) {
    const rx = WIDTH - 18;
    text(rx, MARGIN.top + plotH / 2, chart.right.label, `text-anchor="middle" font-size="13" fill="#555" transform="rotate(90 ${rx} ${MARGIN.top + plotH / 2})"`);
  }
  // The legend runs along the bottom so it never covers a line.
  const legend = [
    ...chart.series.map((s, i) => ({ name: s.name, swatch: `fill="${COLORS[i % COLORS.length]}"` })),
    ...(chart.right?.series ?? []).map((s, i) => ({ name: s.name, swatch: `fill="${RIGHT_GREYS[i % RIGHT_GREYS.length]}"` })),
    ...(chart.bands && chart.bands.spans.length > 0 ? [{ name: chart.bands.name, swatch: 'fill="#f4dede" stroke="#d9a5a5"' }] : []),
  ];
  let lx = MARGIN.left;
  for (const item of legend) {
    parts.push(`<rect x="${lx}" y="${HEIGHT - 18}" width="12" height="12" ${item.swatch}/>`);
    text(lx + 16, HEIGHT - 8, item.name, 'font-size="12"');
    lx += 28 + item.name.length * 6.5;
  }
  return svgDocument(WIDTH, HEIGHT, parts);
}
