/**
 * `npm run experiments`: the assignment's experiments on a local 10-node ring, written to
 * docs/experiments.md with SVG charts in docs/charts/:
 *   1. write throughput of insert.txt for k = 1, 3, 5 × linearizable, eventual (a fresh ring each);
 *   2. read throughput of query.txt on the same rings, after their inserts;
 *   3. requests.txt on k = 3 in both modes, every query answer checked against a sequential store.
 *
 * Options: --quick (or BENCH_QUICK=1): fewer lines, written to a temporary directory unless
 * --out is given, so a smoke test never overwrites the committed results. --out DIR: where
 * experiments.md and charts/ go (default docs/). --rounds N: fresh-ring rounds of experiments
 * 1-2 (default 3, quick 1). --report-only FILE: rewrite the page from the measurements a
 * previous run saved (its path is printed at the end), without measuring anything.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createKvClient } from '../common/client.js';
import type { Consistency } from '../common/wire.js';
import { loadRequests } from '../cli/actions/file-runs.js';
import type { Request } from '../cli/file-format.js';
import { runMain } from './lib/cleanup.js';
import { loadAverage, machineFacts } from './lib/machine.js';
import { writeReport, type ExperimentResults, type SetupResult, type SetupRound, type StaleResult } from './lib/report.js';
import { fixture, REPO, startRing, type BenchRing } from './lib/ring.js';
import { judge, runObserved } from './lib/staleness.js';
import { combine, parallel, sequential, workloadFile, type RunSpec } from './lib/workload.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const outFlag = argv.indexOf('--out');
const OUT = outFlag >= 0 ? argv[outFlag + 1] : quick ? join(tmpdir(), 'chordkv-experiments-quick') : join(REPO, 'docs');

const NODES = 10;
const KS = [1, 3, 5];
const MODES: Consistency[] = ['linearizable', 'eventual'];
/** 10 nodes × 6 workers: the same ~60 concurrent clients as `npm run bench`. */
const CONCURRENCY = 6;
const TIMES = quick ? 1 : 4;
/** Rounds of experiments 1-2: a shared machine's load comes in bursts, one run can land in one. */
const roundsFlag = argv.indexOf('--rounds');
const ROUNDS = roundsFlag >= 0 ? Math.max(1, Number(argv[roundsFlag + 1]) || 1) : quick ? 1 : 3;
const LINES = quick ? 60 : Infinity;
const WARMUP_LINES = quick ? 20 : 100;
const REQUEST_LINES = quick ? 150 : Infinity;
/** Experiment 3's concurrent variants: enough clients that eventual copies queue behind other work. */
const STALE_CLIENTS = 32;
const REQUEST_TIMEOUT_MS = 15_000;

interface Files {
  insert: string;
  query: string;
  insertOnce: string;
  queryOnce: string;
  warmInsert: string;
  warmQuery: string;
  requests: string;
}

async function prepareFiles(): Promise<Files> {
  return {
    insert: await workloadFile(fixture('insert.txt'), TIMES, LINES),
    query: await workloadFile(fixture('query.txt'), TIMES, LINES),
    insertOnce: await workloadFile(fixture('insert.txt'), 1, LINES),
    queryOnce: await workloadFile(fixture('query.txt'), 1, LINES),
    warmInsert: await workloadFile(fixture('insert.txt'), 1, WARMUP_LINES),
    warmQuery: await workloadFile(fixture('query.txt'), 1, WARMUP_LINES),
    requests: await workloadFile(fixture('requests.txt'), 1, REQUEST_LINES),
  };
}

async function withRing<T>(k: number, mode: Consistency, use: (ring: BenchRing) => Promise<T>): Promise<T> {
  const ring = await startRing({ k, consistency: mode }, NODES);
  try {
    return await use(ring);
  } finally {
    await ring.stop();
  }
}

/** Mean forwards of the found answers of one sequential pass over the query file. */
async function meanReadHops(nodes: string[], path: string): Promise<number> {
  const { kv, close } = createKvClient({ timeoutMs: REQUEST_TIMEOUT_MS });
  try {
    const { observed } = await runObserved(kv, nodes, (await loadRequests(path, 'query')).requests.map((r) => [r]), 1);
    const found = observed.filter((o) => o.ok && o.answer !== null && o.hops !== undefined);
    return found.length === 0 ? NaN : Math.round((found.reduce((sum, o) => sum + o.hops!, 0) / found.length) * 100) / 100;
  } finally {
    close();
  }
}

/** Experiments 1 and 2 on one fresh ring: the inserts first, so that the queries find the keys. */
async function throughputSetup(k: number, mode: Consistency, files: Files): Promise<SetupRound> {
  return withRing(k, mode, async (ring) => {
    const spec = (path: string, type: RunSpec['type']): RunSpec => ({ nodes: ring.addresses, path, type });
    // Discarded: the first requests pay for JIT compilation and for opening connections.
    await parallel('warm-up', spec(files.warmInsert, 'insert'), CONCURRENCY);
    await parallel('warm-up', spec(files.warmQuery, 'query'), CONCURRENCY);
    const setup = `k=${k}, ${mode}`;
    const insertSeq = await sequential(setup, spec(files.insertOnce, 'insert'));
    const insertPar = await parallel(setup, spec(files.insert, 'insert'), CONCURRENCY);
    const querySeq = await sequential(setup, spec(files.queryOnce, 'query'));
    const queryPar = await parallel(setup, spec(files.query, 'query'), CONCURRENCY);
    const readHops = await meanReadHops(ring.addresses, files.queryOnce);
    return { k, mode, insertSeq, insertPar, querySeq, queryPar, readHops };
  });
}

/** One way of sending requests.txt in experiment 3. */
interface Variant {
  name: string;
  clients: number;
  units: (files: Files) => Promise<Request[][]>;
}

const mixRequests = async (files: Files) => (await loadRequests(files.requests, 'mix')).requests;

const VARIANTS: Variant[] = [
  { name: 'file order, 1 client', clients: 1, units: async (f) => (await mixRequests(f)).map((r) => [r]) },
  { name: `file order, ${STALE_CLIENTS} clients`, clients: STALE_CLIENTS, units: async (f) => (await mixRequests(f)).map((r) => [r]) },
  {
    // The window eventual mode leaves open is right after a write is acknowledged; this sends
    // a read into it on purpose, from the same client, to a random node.
    name: `insert then read at once, ${STALE_CLIENTS} clients`,
    clients: STALE_CLIENTS,
    units: async (f) => (await mixRequests(f)).flatMap((r) => (r.op === 'insert' ? [[r, { op: 'query' as const, key: r.key, line: r.line }]] : [])),
  },
];

/** Experiment 3 on a fresh k = 3 ring, so that the sequential store it is judged against starts empty too. */
async function stalenessRun(mode: Consistency, variant: Variant, files: Files): Promise<StaleResult> {
  const units = await variant.units(files);
  return withRing(3, mode, async (ring) => {
    const { kv, close } = createKvClient({ timeoutMs: REQUEST_TIMEOUT_MS });
    try {
      const { observed, seconds } = await runObserved(kv, ring.addresses, units, variant.clients);
      return { mode, variant: variant.name, clients: variant.clients, seconds, verdict: judge(observed) };
    } finally {
      close();
    }
  });
}

async function main(): Promise<void> {
  const facts = machineFacts();
  const loadBefore = loadAverage();
  const started = Date.now();
  const files = await prepareFiles();
  const rounds = new Map<string, SetupRound[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const k of KS) {
      for (const mode of MODES) {
        console.error(`experiments 1-2, round ${round}/${ROUNDS}: k=${k}, ${mode}…`);
        const result = await throughputSetup(k, mode, files);
        rounds.set(`${k} ${mode}`, [...(rounds.get(`${k} ${mode}`) ?? []), result]);
      }
    }
  }
  const setups: SetupResult[] = [...rounds.values()].map((list) => ({
    k: list[0].k, mode: list[0].mode,
    insertSeq: combine(list.map((s) => s.insertSeq)), insertPar: combine(list.map((s) => s.insertPar)),
    querySeq: combine(list.map((s) => s.querySeq)), queryPar: combine(list.map((s) => s.queryPar)),
    readHops: Math.round((list.reduce((n, s) => n + s.readHops, 0) / list.length) * 100) / 100,
  }));
  const stale: StaleResult[] = [];
  for (const variant of VARIANTS) {
    for (const mode of MODES) {
      console.error(`experiment 3: ${mode}, ${variant.name}…`);
      stale.push(await stalenessRun(mode, variant, files));
    }
  }
  const results: ExperimentResults = {
    quick, facts, nodes: NODES, concurrency: CONCURRENCY, times: TIMES, lines: LINES, warmupLines: WARMUP_LINES, rounds: ROUNDS, requestLines: REQUEST_LINES,
    loadBefore, loadAfter: loadAverage(), minutes: Math.round((Date.now() - started) / 600) / 100, setups, stale,
  };
  // Kept outside the repository so that the page can be rewritten from the same numbers.
  const saved = join(tmpdir(), `chordkv-experiments-${results.facts.date.replace(/[:.]/g, '-')}.json`);
  await writeFile(saved, JSON.stringify(results, (_: string, v: unknown) => (v === Infinity ? 'Infinity' : v)));
  console.error(`wrote ${await writeReport(OUT, results)} (measurements saved in ${saved})`);
}

const reportOnly = argv.indexOf('--report-only');
if (reportOnly >= 0) {
  const results = JSON.parse(await readFile(argv[reportOnly + 1], 'utf8'), (_: string, v: unknown) => (v === 'Infinity' ? Infinity : v)) as ExperimentResults;
  console.error(`wrote ${await writeReport(OUT, results)}`);
} else {
  await runMain(main);
}
