/**
 * The five scenarios as the command runs them: each builds its ring(s) under a fresh
 * simulation, measures, and writes its CSV and chart. Sizes and counts come from the
 * command line; the defaults are what docs/scale.md was made with.
 */
import { grow } from './grow.js';
import { allCopiesFail, logSquared, paperFailedLookups, paperMeanPath } from './paper.js';
import { toMarkdown, writeScenario } from './report.js';
import type { SimRing } from './ring.js';
import { simulate, steadyState } from './simulation.js';
import { measureBalance } from './scenarios/balance.js';
import { measureChurn, type ChurnRow } from './scenarios/churn.js';
import { insertKeys, measureFailures, type FailureRow } from './scenarios/failures.js';
import { measureJoinCost, type JoinCostRow } from './scenarios/join-cost.js';
import { measurePaths, type PathRow } from './scenarios/paths.js';

export interface RunOptions {
  nodes: number;
  keys?: number;
  k: number;
  seed: number;
  out: string;
  /** Lookups (and as many puts) per ring size. */
  samples: number;
  successorListSize?: number;
  /** Delay of every node-to-node call, each way, in the churn scenario. */
  latencyMs: number;
}

export const SCENARIOS = ['paths', 'join-cost', 'failures', 'churn', 'balance'] as const;
export type Scenario = typeof SCENARIOS[number];

const log = (text: string) => console.log(text);
/** Joins (and leaves) measured per ring size: with 4 the count of finger tables a join changes was too noisy to show its log N growth. */
const JOINS_PER_SIZE = 16;
const powersOfTwo = (max: number) => Array.from({ length: Math.floor(Math.log2(max)) - 2 }, (_, i) => 2 ** (i + 3)).filter((n) => n <= max);

/** Memory per node: the heap the ring added, over its size (GC first when the process allows it). */
function heapPerNodeKb(baseline: number, ring: SimRing): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round((process.memoryUsage().heapUsed - baseline) / 1024 / ring.size);
}

/** Paths and join cost share one growing ring: measured at each power of two on the way up. */
export async function runGrowth(options: RunOptions, which: { paths: boolean; joinCost: boolean }): Promise<void> {
  const sizes = [...new Set([...powersOfTwo(options.nodes), options.nodes])];
  const pathRows: PathRow[] = [];
  const joinRows: JoinCostRow[] = [];
  const baseline = process.memoryUsage().heapUsed;
  const started = performance.now();
  const meta = await simulate({ k: 1, seed: options.seed, successorListSize: options.successorListSize }, async (ring) => {
    await grow(ring, options.nodes, sizes, async (size) => {
      const paths = await measurePaths(ring, which.paths ? options.samples : Math.min(200, options.samples));
      if (which.paths) pathRows.push(paths);
      if (which.joinCost) joinRows.push(await measureJoinCost(ring, JOINS_PER_SIZE, paths.lookupMean));
      log(`N=${size}: paths ${paths.paperRuleMean}/${paths.lookupMean}/${paths.opMean} (½log2N ${paths.halfLog2N}), wall ${((performance.now() - started) / 1000).toFixed(0)} s`);
    });
    const heap = heapPerNodeKb(baseline, ring);
    return { ...(await steadyState(ring, 4)), heapPerNodeKb: heap, n: ring.size, buildWallS: (performance.now() - started) / 1000 };
  });
  log(`N=${meta.n}: ${meta.heapPerNodeKb} KB of heap per node; ${Math.round(meta.wallMsPerSimulatedSecond)} ms of wall time per simulated second; `
    + `${meta.messagesPerNodePerRound.toFixed(1)} messages per node per maintenance round; whole run ${meta.buildWallS.toFixed(0)} s`);
  await writeScenario(options.out, 'cost', [{ ...meta, wallMsPerSimulatedSecond: Math.round(meta.wallMsPerSimulatedSecond), messagesPerNodePerRound: Number(meta.messagesPerNodePerRound.toFixed(1)), buildWallS: Math.round(meta.buildWallS) }]);
  if (which.paths) {
    log(toMarkdown(pathRows));
    const x = pathRows.map((r) => Math.log2(r.n));
    await writeScenario(options.out, 'paths', pathRows, {
      line: {
        title: 'Path length vs ring size (paper Fig. 10: mean ≈ ½·log2 N)', xLabel: 'log2 N', yLabel: 'hops', x,
        series: [
          { name: 'paper: ½·log2 N', values: pathRows.map((r) => paperMeanPath(r.n)) },
          { name: 'paper\'s rule on our fingers (mean)', values: pathRows.map((r) => r.paperRuleMean) },
          { name: 'ours: operation hops (mean)', values: pathRows.map((r) => r.opMean) },
          { name: 'ours: lookup hops (mean)', values: pathRows.map((r) => r.lookupMean) },
          { name: 'ours: operation hops (99th pct)', values: pathRows.map((r) => r.opP99) },
        ],
      },
    });
  }
  if (which.joinCost) {
    log(toMarkdown(joinRows));
    await writeScenario(options.out, 'join-cost', joinRows, {
      line: {
        title: 'Messages per join and per leave (paper §4: O(log² N))', xLabel: 'log2 N', yLabel: 'messages', x: joinRows.map((r) => Math.log2(r.n)),
        series: [
          { name: 'join protocol', values: joinRows.map((r) => r.joinMessages) },
          { name: 'leave protocol', values: joinRows.map((r) => r.leaveMessages) },
          { name: 'join + finger repair', values: joinRows.map((r) => r.joinMessages + r.fingerRepairMessages) },
          { name: 'log2² N', values: joinRows.map((r) => logSquared(r.n)) },
        ],
      },
    });
  }
}

export async function runFailures(options: RunOptions): Promise<void> {
  const fractions = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];
  const keys = options.keys ?? options.nodes * 4;
  const rows: FailureRow[] = [];
  for (const k of [1, 3]) {
    for (const p of fractions) {
      rows.push(await simulate({ k, seed: options.seed + Math.round(p * 100), successorListSize: options.successorListSize }, async (ring) => {
        await grow(ring, options.nodes);
        const inserted = await insertKeys(ring, keys, 'failures');
        return measureFailures(ring, inserted, p, k);
      }));
      log(`k=${k} p=${p}: ${JSON.stringify(rows.at(-1))}`);
    }
  }
  log(toMarkdown(rows));
  const of = (k: number) => rows.filter((r) => r.k === k);
  await writeScenario(options.out, 'failures', rows, {
    line: {
      title: 'Failed reads after a fraction p of nodes fails at once (paper Fig. 11: ≈ p)', xLabel: 'fraction of nodes failed (p)', yLabel: 'fraction of reads failed', x: fractions,
      series: [
        { name: 'paper (k = 1): ≈ p', values: fractions.map(paperFailedLookups) },
        { name: 'ours, k = 1', values: of(1).map((r) => r.failedReads) },
        { name: 'ours, k = 3, at once', values: of(3).map((r) => r.failedReads) },
        { name: 'ours, k = 3, after repair', values: of(3).map((r) => r.failedAfterRepair) },
        { name: 'p³ (all 3 copies failed)', values: fractions.map((p) => allCopiesFail(p, 3)) },
      ],
    },
  });
}

export async function runChurn(options: RunOptions): Promise<void> {
  const rates = [0.25, 0.5, 1, 2, 4];
  const rows: ChurnRow[] = [];
  for (const rate of rates) {
    rows.push(await simulate({ k: options.k, seed: options.seed + rate * 100, latencyMs: options.latencyMs, successorListSize: options.successorListSize }, async (ring) => {
      await grow(ring, options.nodes);
      return measureChurn(ring, rate, 60, 20);
    }));
    log(`rate ${rate}: ${JSON.stringify(rows.at(-1))}`);
  }
  log(toMarkdown(rows));
  await writeScenario(options.out, 'churn', rows, {
    line: {
      title: 'Lookups during churn (paper Fig. 12)', xLabel: 'joins (and as many crashes) per stabilization period', yLabel: 'fraction of lookups failed', x: rates,
      series: [
        { name: 'ours: failed lookups', values: rows.map((r) => r.failedLookups) },
        { name: 'paper\'s estimate: hops × fraction failed per period', values: rows.map((r) => r.predicted) },
      ],
    },
  });
}

export async function runBalance(options: RunOptions): Promise<void> {
  const keys = options.keys ?? options.nodes * 50;
  const { row } = await simulate({ k: 1, seed: options.seed }, async (ring) => {
    await grow(ring, options.nodes);
    return measureBalance(ring, keys);
  });
  log(toMarkdown([row]));
  await writeScenario(options.out, 'balance', [row], {
    bar: {
      title: `Keys per node, N = ${row.n}, ${row.keys} keys, V = 1 (paper Fig. 8)`, xLabel: 'over the nodes', yLabel: 'keys held as primary', integer: true,
      groups: ['1st pct', 'median', 'mean', '99th pct', 'max'], series: [{ name: 'ours, V = 1', values: [row.p1, row.p50, row.mean, row.p99, row.max] }],
    },
  });
}
