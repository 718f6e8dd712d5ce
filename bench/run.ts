/**
 * `npm run bench`: throughput and latency of a local 10-node ring (k = 3) in each consistency
 * mode (quorum with N = k = 3, R = W = 2) under ~60 concurrent clients, next to an efficiency reference (bare node:http servers
 * forwarding the same requests along as many hops), printed as one markdown table.
 *
 * The sweep (the three modes' rings, then the reference) runs several rounds on fresh processes; each row
 * is the round with the median throughput, with the lowest and highest beside it, because a
 * shared machine's load comes in bursts that a single run can land in.
 *
 * A third ring (linearizable) keeps its data in LevelDB, to compare the disk store with memory,
 * and a fourth runs with --no-metrics, to show what the metrics cost.
 *
 * Last, Merkle anti-entropy against the full push (bench/lib/merkle.ts, in one process, about 15 s).
 *
 * Options: --quick (or BENCH_QUICK=1) for a short smoke run; --rounds N (default 3, quick 1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RingFlags } from '../bootstrap/ring-args.js';
import { runMain } from './lib/cleanup.js';
import { startForwardChain } from './lib/forward-chain.js';
import { loadAverage, machineFacts, machineLines } from './lib/machine.js';
import { fixture, startRing } from './lib/ring.js';
import { merkleRows, merkleTable } from './lib/merkle.js';
import { markdownTable } from './lib/table.js';
import { combine, errorNotes, parallel, workloadFile, type Row, type RunSpec } from './lib/workload.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const roundsFlag = argv.indexOf('--rounds');
const ROUNDS = roundsFlag >= 0 ? Math.max(1, Number(argv[roundsFlag + 1]) || 1) : quick ? 1 : 3;
const NODES = 10;
const K = 3;
/** Workers per node: 10 nodes × 6 = 60 concurrent clients, each bound to one node. */
const CONCURRENCY = 6;
/** The 500-line fixtures run 4× per measurement, so every row has ≥ 2,000 requests. */
const TIMES = quick ? 1 : 4;
const LINES = quick ? 100 : Infinity;
const WARMUP_LINES = quick ? 20 : 200;
/** One ring per mode, interleaved in every round; quorum with the majorities of N = k = 3. */
const MODES: RingFlags[] = [
  { k: K, consistency: 'linearizable' },
  { k: K, consistency: 'eventual' },
  { k: K, consistency: 'quorum', r: 2, w: 2 },
];
/**
 * Hop counts of the reference, matched to the ring's paths for k = 3, linearizable:
 * an insert goes client → entry node → head → 2 chain hops (3 forwards when the entry node
 * reaches the head in one hop); a query goes client → entry → head → tail (2 forwards).
 */
const REF_SERVERS = 4;
const REF_PUT_HOPS = 3;
const REF_GET_HOPS = 2;

const LINEARIZABLE = MODES[0];

/** The mode as a row names it: quorum rows carry their R and W. */
const modeName = ({ consistency, r, w }: RingFlags) => (consistency === 'quorum' ? `quorum R=${r} W=${w}` : consistency);

interface Files {
  insert: string;
  query: string;
  warmInsert: string;
  warmQuery: string;
}

/** A discarded small run first: the JIT, connection pools and the nodes' routing caches warm up. */
async function warmUp(nodes: string[], files: Files): Promise<void> {
  await parallel('warm-up', { nodes, path: files.warmInsert, type: 'insert' }, CONCURRENCY);
  await parallel('warm-up', { nodes, path: files.warmQuery, type: 'query' }, CONCURRENCY);
}

/**
 * One ring's inserts and queries; with `onDisk`, every node keeps its data in LevelDB (else in
 * memory); without `metrics`, the nodes run with --no-metrics (what metrics cost).
 */
async function measureRing(flags: RingFlags, files: Files, onDisk = false, metrics = true): Promise<Row[]> {
  const dataRoot = onDisk ? await mkdtemp(join(tmpdir(), 'chordkv-bench-')) : undefined;
  const ring = await startRing(flags, NODES, dataRoot, metrics ? [] : ['--no-metrics']);
  try {
    await warmUp(ring.addresses, files);
    const spec = (path: string, type: RunSpec['type']): RunSpec => ({ nodes: ring.addresses, path, type });
    const setup = `ring ${NODES} nodes, k=${K}, ${modeName(flags)}${onDisk ? ', LevelDB store' : ''}${metrics ? '' : ', metrics off'}`;
    return [
      await parallel(`${setup}: insert`, spec(files.insert, 'insert'), CONCURRENCY),
      await parallel(`${setup}: query`, spec(files.query, 'query'), CONCURRENCY),
    ];
  } finally {
    await ring.stop();
    if (dataRoot) await rm(dataRoot, { recursive: true, force: true });
  }
}

async function measureReference(files: Files): Promise<Row[]> {
  const chain = await startForwardChain(REF_SERVERS, REF_PUT_HOPS, REF_GET_HOPS);
  try {
    // The same entry listed once per ring node gives the same 60 workers as the ring runs.
    const nodes = Array.from({ length: NODES }, () => chain.entry);
    await warmUp(nodes, files);
    return [
      await parallel(`reference: bare node:http, ${REF_PUT_HOPS} forwards: insert (PUT)`, { nodes, path: files.insert, type: 'insert' }, CONCURRENCY),
      await parallel(`reference: bare node:http, ${REF_GET_HOPS} forwards: query (GET)`, { nodes, path: files.query, type: 'query' }, CONCURRENCY),
    ];
  } finally {
    await chain.stop();
  }
}

async function main(): Promise<void> {
  const facts = machineFacts();
  const loadBefore = loadAverage();
  const files: Files = {
    insert: await workloadFile(fixture('insert.txt'), TIMES, LINES),
    query: await workloadFile(fixture('query.txt'), TIMES, LINES),
    warmInsert: await workloadFile(fixture('insert.txt'), 1, WARMUP_LINES),
    warmQuery: await workloadFile(fixture('query.txt'), 1, WARMUP_LINES),
  };
  console.error(`chordkv bench${quick ? ' (quick)' : ''}: ${NODES} nodes, k=${K}, ${NODES * CONCURRENCY} concurrent clients, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}`);
  const runs = new Map<string, Row[]>();
  const keep = (rows: Row[]) => rows.forEach((row) => runs.set(row.setup, [...(runs.get(row.setup) ?? []), row]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of MODES) {
      console.error(`  round ${round}/${ROUNDS}: ring, ${modeName(mode)}…`);
      keep(await measureRing(mode, files));
    }
    console.error(`  round ${round}/${ROUNDS}: ring, linearizable, metrics off…`);
    keep(await measureRing(LINEARIZABLE, files, false, false));
    console.error(`  round ${round}/${ROUNDS}: ring, linearizable, LevelDB store…`);
    keep(await measureRing(LINEARIZABLE, files, true));
    console.error(`  round ${round}/${ROUNDS}: reference chain…`);
    keep(await measureReference(files));
  }
  const rows = [...runs.values()].map(combine);
  const merkle = await merkleRows(quick ? 20_000 : 100_000);
  const loadAfter = loadAverage();

  console.log(`## chordkv benchmark${quick ? ' (quick smoke run: not representative)' : ''}\n`);
  console.log(machineLines(facts).join('\n'));
  console.log(`- load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after\n`);
  console.log(markdownTable(
    ['setup', 'requests', 'throughput (req/s)', ...(ROUNDS > 1 ? ['min–max'] : []), 'p50 ms', 'p99 ms', 'errors', 'not found'],
    rows.map((r) => [r.setup, r.requests, r.throughput, ...(ROUNDS > 1 ? [`${r.min}–${r.max}`] : []), r.p50, r.p99, r.errors, `${r.notFound} of ${r.allRequests}`]),
    [false, true, true, ...(ROUNDS > 1 ? [true] : []), true, true, true, true],
  ));
  console.log([
    '',
    `${NODES * CONCURRENCY} concurrent clients (${CONCURRENCY} per node, each bound to its node; the reference's all enter at its first server),`,
    `fixtures/insert.txt and query.txt${quick ? ` cut to ${LINES} lines` : ''}, ${TIMES}× each per run, after a discarded warm-up of ${WARMUP_LINES} lines.`,
    ...(ROUNDS > 1 ? [`${ROUNDS} rounds on fresh processes: each row is the round with the median throughput (its latencies are from that round),`,
      'min–max the lowest and highest throughput of the rounds; errors and not-found answers are summed over all rounds.'] : []),
    `The reference is ${REF_SERVERS} bare node:http server processes in a line: a PUT is forwarded ${REF_PUT_HOPS} times`,
    `(as a k=3 linearizable insert: entry → head → 2 chain hops), a GET ${REF_GET_HOPS} times (entry → head → tail);`,
    'every hop parses and re-serializes the JSON body and nothing else. "not found" are queries for keys',
    'query.txt has but insert.txt does not: answers (404), not errors. "requests" is per run.',
    ...errorNotes(rows),
  ].join('\n'));
  console.log(`\n### Merkle anti-entropy\n\n${merkleTable(merkle)}`);
}

await runMain(main);
