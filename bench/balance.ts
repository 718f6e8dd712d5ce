/**
 * `npm run bench:balance`: how evenly keys spread over processes with V ring ids each, and
 * what an 11th process's join moves. Pure computation with common/vnodes.ts: no node process
 * runs, so the numbers are the same on every machine and every run.
 *
 * 10 processes (127.0.0.1:5000…5009), 100,000 keys ("key 0"…"key 99999"), V = 1, 8, 32, 128:
 *   - keys per process: max / mean and p99 / mean (nearest rank);
 *   - the same over 100 other 10-process rings (ports 6000…6999), from ownership shares, since
 *     one ring is one draw of the ids;
 *   - an 11th process (127.0.0.1:5010) joins: share of keys whose owner changes (ideal 1/11),
 *     from how many processes the newcomer receives them, and with k = 3 the share of
 *     (key, holder) pairs that change;
 *   - routing hops, modelled (bench/lib/hop-model.ts), not measured.
 * Writes docs/charts/load-balance.svg and docs/charts/load-balance-join.svg (--no-charts: not).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { percentile, round } from '../cli/stats.js';
import { hashId } from '../common/ring.js';
import { virtualNodes, VirtualRing } from '../common/vnodes.js';
import { modelHops } from './lib/hop-model.js';
import { barChartSvg } from './lib/svg-chart.js';
import { markdownTable } from './lib/table.js';

const PROCESSES = 10;
const KEYS = 100_000;
const VS = [1, 8, 32, 128];
const K = 3;
const OTHER_RINGS = 100;
const LOOKUPS = 2_000;
/** chordkv's default successor list (node/config.ts). */
const SUCCESSOR_LIST = 8;
const CHARTS = fileURLToPath(new URL('../docs/charts/', import.meta.url));

const addresses = (count: number, basePort: number) => Array.from({ length: count }, (_, i) => `127.0.0.1:${basePort + i}`);
const RING = addresses(PROCESSES, 5000);
const NEWCOMER = '127.0.0.1:5010';
const keyIds = Array.from({ length: KEYS }, (_, i) => hashId(`key ${i}`));

interface Row {
  v: number;
  maxOverMean: number;
  p99OverMean: number;
  minOverMean: number;
  otherMedianMax: number;
  otherWorstMax: number;
  otherP99: number;
  moved: number;
  sources: number;
  movedElsewhere: number;
  pairsChanged: number;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Load relative to the mean: max, p99 and min of the values over their mean. */
function spread(values: readonly number[]): { max: number; p99: number; min: number } {
  const m = mean(values);
  return { max: Math.max(...values) / m, p99: percentile(values, 99) / m, min: Math.min(...values) / m };
}

/** What the 11th process's join changes, with the keys' owners and k-holders before and after. */
function join(before: VirtualRing, after: VirtualRing): Pick<Row, 'moved' | 'sources' | 'movedElsewhere' | 'pairsChanged'> {
  let moved = 0;
  let movedElsewhere = 0;
  let pairsChanged = 0;
  const sources = new Set<string>();
  for (const id of keyIds) {
    const [from, to] = [before.owner(id).address, after.owner(id).address];
    if (from !== to) {
      moved++;
      sources.add(from);
      if (to !== NEWCOMER) movedElsewhere++;
    }
    const holdersAfter = after.holders(id, K);
    pairsChanged += before.holders(id, K).filter((h) => !holdersAfter.includes(h)).length;
  }
  return { moved: moved / KEYS, sources: sources.size, movedElsewhere, pairsChanged: pairsChanged / (KEYS * K) };
}

function measure(v: number): Row {
  const before = new VirtualRing(virtualNodes(RING, v));
  const keys = spread([...before.keysPerProcess(keyIds).values()]);
  const others = Array.from({ length: OTHER_RINGS }, (_, r) => [...new VirtualRing(virtualNodes(addresses(PROCESSES, 6000 + r * PROCESSES), v)).shares().values()]);
  const maxima = others.map((shares) => spread(shares).max);
  return {
    v, maxOverMean: keys.max, p99OverMean: keys.p99, minOverMean: keys.min,
    otherMedianMax: percentile(maxima, 50), otherWorstMax: Math.max(...maxima), otherP99: spread(others.flat()).p99,
    ...join(before, new VirtualRing(virtualNodes([...RING, NEWCOMER], v))),
  };
}

const r2 = (x: number) => round(x, 2);
const pct = (x: number) => `${round(x * 100, 2)} %`;

console.log(`# Load balance with virtual nodes (pure computation with common/vnodes.ts: no node process runs)\n`);
console.log(`${PROCESSES} processes (${RING[0]}…${RING[RING.length - 1]}), ${KEYS.toLocaleString('en')} keys; the newcomer is ${NEWCOMER}; k = ${K} for pairs.\n`);
const rows = VS.map(measure);
console.log(markdownTable(
  ['V', 'ids', 'max/mean', 'p99/mean', 'min/mean', `median max/mean, ${OTHER_RINGS} rings`, `worst max/mean, ${OTHER_RINGS} rings`, `p99/mean, ${OTHER_RINGS * PROCESSES} processes`, 'keys moved by the join', 'sources', 'moved between old processes', `(key, holder) pairs changed, k=${K}`],
  rows.map((r) => [r.v, r.v * PROCESSES, r2(r.maxOverMean), r2(r.p99OverMean), r2(r.minOverMean), r2(r.otherMedianMax), r2(r.otherWorstMax), r2(r.otherP99), pct(r.moved), r.sources, r.movedElsewhere, pct(r.pairsChanged)]),
  Array<boolean>(12).fill(true),
));
console.log(`\nIdeal share moved by the join: 1/11 = ${pct(1 / 11)}. With ${PROCESSES} processes the nearest-rank p99 of one ring is its maximum; the ${OTHER_RINGS}-ring columns use ownership shares (the expected keys per process).\n`);

console.log(`## Routing hops, modelled (converged tables from the pure ring, chordkv's next-hop rule, ${SUCCESSOR_LIST} successors per id, ${LOOKUPS.toLocaleString('en')} lookups): not measured\n`);
const lookups = keyIds.slice(0, LOOKUPS);
console.log(markdownTable(
  ['V', 'ids N·V', '½·log2(N·V)', 'forwards, id to id', 'of which to another process', 'forwards, process on the union of its ids\' tables'],
  VS.map((v) => {
    const hops = modelHops(new VirtualRing(virtualNodes(RING, v)), lookups, SUCCESSOR_LIST);
    return [v, v * PROCESSES, r2(0.5 * Math.log2(PROCESSES * v)), r2(hops.idForwards), r2(hops.processForwards), r2(hops.unionForwards)];
  }),
));

if (!process.argv.includes('--no-charts')) {
  const groups = VS.map((v) => `V = ${v}`);
  await writeFile(CHARTS + 'load-balance.svg', barChartSvg({
    title: `Keys per process / mean, ${PROCESSES} processes (target at V = 32: max ≤ 1.3)`,
    xLabel: 'ring ids per process', yLabel: 'keys per process / mean', groups,
    series: [
      { name: 'max, this ring', values: rows.map((r) => r2(r.maxOverMean)) },
      { name: `median max, ${OTHER_RINGS} rings`, values: rows.map((r) => r2(r.otherMedianMax)) },
      { name: `worst max, ${OTHER_RINGS} rings`, values: rows.map((r) => r2(r.otherWorstMax)) },
      { name: 'min, this ring', values: rows.map((r) => r2(r.minOverMean)) },
    ],
  }));
  await writeFile(CHARTS + 'load-balance-join.svg', barChartSvg({
    title: 'An 11th process joins: what moves',
    xLabel: 'ring ids per process', yLabel: 'percent', groups,
    series: [
      { name: 'keys moved', values: rows.map((r) => round(r.moved * 100, 2)) },
      { name: 'ideal (1/11)', values: rows.map(() => round(100 / 11, 2)) },
      { name: `(key, holder) pairs changed, k=${K}`, values: rows.map((r) => round(r.pairsChanged * 100, 2)) },
    ],
  }));
  console.error(`\nwrote ${CHARTS}load-balance.svg and load-balance-join.svg`);
}
