/**
 * The setups of `npm run bench`, each on fresh processes: a ring, the bare chain, an etcd
 * cluster. Each warms up, then measures its operations through the one load generator
 * (load.ts) and says what they cost; rings also count their messages and their idle CPU.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RingFlags } from '../../bootstrap/ring-args.js';
import type { Request } from '../../cli/file-format.js';
import { createKvClient } from '../../common/client.js';
import { DirectRouter } from '../../common/direct.js';
import { round } from '../../cli/stats.js';
import type { BenchPlan } from './bench-options.js';
import { startEtcdCluster } from './etcd.js';
import { startAnswerers, startRingShaped, startForwardChain } from './forward-chain.js';
import { directSender, drive, etcdSender, fixtureRequests, kvSender, type CostedRow, type Sender, type Target } from './load.js';
import { callCounts, callMix, callsBetween, messagesPerOp, operationCalls, totalCalls } from './messages.js';
import { cpuMeter } from './proc-cpu.js';
import { fixture, startRing } from './ring.js';
import { lineOf } from './ring-shape.js';
import { keepWarming, warmBatch } from './warm-up.js';

/** A row of a ring, with the messages per operation its nodes counted. */
export interface BenchRow extends CostedRow {
  messages?: number;
  /** The biggest call paths per operation, e.g. "op 1.00, chain 1.98". */
  calls?: string;
  /** Discarded requests of each operation before the run (warmUp). */
  warmup?: number;
}

/** What a ring did with no requests: its maintenance alone. */
export interface IdleFacts {
  /** CPU of all its node processes together, in % of one core. */
  cpuPercent: number;
  /** Node-to-node calls per second, all nodes together. */
  callsPerSecond: number;
}

/** The requests every setup runs: the fixtures, repeated to the plan's counts. */
export interface Workload {
  insert: Request[];
  query: Request[];
  /** `count` requests of an operation, for warm-up batches. */
  repeated(op: 'insert' | 'query', count: number): Request[];
}

export async function workload(plan: BenchPlan): Promise<Workload> {
  const insert = await fixtureRequests(fixture('insert.txt'), 'insert', plan.requests);
  const query = await fixtureRequests(fixture('query.txt'), 'query', plan.requests);
  return {
    insert,
    query,
    repeated: (op, count) => Array.from({ length: count }, (_, i) => (op === 'insert' ? insert : query)[i % plan.requests]),
  };
}

/** Requests per endpoint in a warm-up batch, so that every process of a bigger ring gets as many. */
export const WARM_PER_ENDPOINT = 1000;
/**
 * Batches at least and at most. Two were too few: one noisy pair of batches ended a ring's
 * warm-up after 10,000 requests while others of the same run needed 25,000 to 35,000.
 */
export const MIN_WARM_BATCHES = 4;
export const MAX_WARM_BATCHES = 8;

/**
 * Discarded batches of inserts and queries until the setup is steady (warm-up.ts), or the one
 * batch of a quick run. Returns the requests of each operation it sent.
 */
export async function warmUp(plan: BenchPlan, load: Workload, target: Target): Promise<number> {
  const size = plan.quick ? plan.warmup : warmBatch(target.endpoints.length, WARM_PER_ENDPOINT, plan.warmup);
  const [inserts, queries] = [load.repeated('insert', size), load.repeated('query', size)];
  const throughputs: number[] = [];
  while (keepWarming(throughputs, plan.quick ? 1 : MIN_WARM_BATCHES, plan.quick ? 1 : MAX_WARM_BATCHES)) {
    const insert = await drive('warm-up', target, inserts, plan.clients);
    const query = await drive('warm-up', target, queries, plan.clients);
    throughputs.push((2 * size) / (insert.seconds + query.seconds));
  }
  return size * throughputs.length;
}

/** The mode as a row names it: quorum rows carry their R and W. */
export const modeName = ({ consistency, r, w }: RingFlags) => (consistency === 'quorum' ? `quorum R=${r} W=${w}` : consistency);

export interface RingOptions {
  /** Keep every node's data in LevelDB (else in memory). */
  onDisk?: boolean;
  /** With onDisk: every write fsync'd (--fsync). */
  fsync?: boolean;
  /** Run the nodes with --no-metrics: no messages counted. */
  noMetrics?: boolean;
  /** Also measure what the ring costs idle, after its runs (a few seconds more). */
  idle?: boolean;
  /** Measure with a token-aware client (--direct): each request sent to its key's head (or, eventual reads, a replica). */
  direct?: boolean;
}

/** The name of a ring setup of `processes` processes; its rows are `${name}: insert` and `${name}: query`. */
export function ringSetup(flags: RingFlags, processes: number, options: RingOptions = {}): string {
  const vnodes = flags.vnodes ?? 1;
  const nodes = vnodes > 1 ? `${processes * vnodes} nodes in ${processes} processes` : `${processes} nodes`;
  return `ring ${nodes}, k=${flags.k}, ${modeName(flags)}${options.onDisk ? `, LevelDB store${options.fsync ? ', fsync' : ''}` : ''}${options.noMetrics ? ', metrics off' : ''}${options.direct ? ', --direct' : ''}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a ring costs with no requests: after a `pauseMs` for copies in flight to land, its
 * CPU and calls over `windowMs`. Measured after the runs, so that the maintenance code is as
 * warmed up as it is in a ring that has been running (3 s after start it is still falling:
 * 71, 60, 52 % of a core 3, 10, 20 s after a 20-node ring started, on this machine).
 */
async function idleFacts(ring: { addresses: string[]; pids: number[] }, metrics: boolean, pauseMs: number, windowMs: number): Promise<IdleFacts | undefined> {
  await sleep(pauseMs);
  const before = metrics ? await callCounts(ring.addresses) : undefined;
  const meter = cpuMeter(ring.pids);
  await sleep(windowMs);
  const cpu = meter.read();
  const calls = before ? totalCalls(callsBetween(before, await callCounts(ring.addresses))) : 0;
  return cpu && { cpuPercent: round((cpu.seconds / cpu.wallSeconds) * 100, 1), callsPerSecond: round(calls / cpu.wallSeconds, 1) };
}

/**
 * One fresh ring: its inserts and queries after a discarded warm-up, with the messages per
 * operation its nodes counted, then what it costs idle.
 */
export async function measureRing(
  plan: BenchPlan, load: Workload, flags: RingFlags, nodes: number, options: RingOptions = {},
): Promise<{ rows: BenchRow[]; idle?: IdleFacts }> {
  const dataRoot = options.onDisk ? await mkdtemp(join(tmpdir(), 'chordkv-bench-')) : undefined;
  const ring = await startRing(flags, nodes, dataRoot, [...(options.noMetrics ? ['--no-metrics'] : []), ...(options.fsync ? ['--fsync'] : [])]);
  try {
    const metrics = !options.noMetrics;
    const pause = plan.quick ? 1000 : 2000;
    // The paths a settled ring calls with no requests are its maintenance; they are left out of messages/op.
    await sleep(pause);
    const quiet = metrics ? await callCounts(ring.addresses) : undefined;
    await sleep(pause);
    const maintenance = quiet ? new Set(callsBetween(quiet, await callCounts(ring.addresses)).keys()) : new Set<string>();

    const target: Target = { endpoints: ring.addresses, send: options.direct ? await learnedSender(ring.addresses) : kvSender, pids: ring.pids };
    const warmed = await warmUp(plan, load, target);
    const name = ringSetup(flags, nodes, options);
    const measured = async (op: 'insert' | 'query'): Promise<BenchRow> => {
      const before = metrics ? await callCounts(ring.addresses) : undefined;
      const row: BenchRow = await drive(`${name}: ${op}`, target, load[op], plan.clients);
      if (!before) return row;
      const calls = operationCalls(callsBetween(before, await callCounts(ring.addresses)), maintenance);
      return { ...row, messages: round(messagesPerOp(calls, row.requests), 2), calls: callMix(calls, row.requests) };
    };
    const rows = [await measured('insert'), await measured('query')].map((row) => ({ ...row, warmup: warmed }));
    return { rows, idle: options.idle ? await idleFacts(ring, metrics, pause, plan.quick ? 1000 : 3000) : undefined };
  } finally {
    await ring.stop();
    if (dataRoot) await rm(dataRoot, { recursive: true, force: true });
  }
}

/** A token-aware sender over a map of the ring learned now (the bench's rings do not change while measured). */
async function learnedSender(seeds: readonly string[]) {
  const { kv, close } = createKvClient({ timeoutMs: 15_000 });
  const router = new DirectRouter(kv, seeds);
  await router.learn().finally(close);
  return directSender(router);
}

/** The chain rows' names. */
export const chainSetup = (op: 'insert' | 'query', forwards: number) =>
  `bare node:http chain, ${forwards} forward${forwards === 1 ? '' : 's'}: ${op === 'insert' ? 'PUT' : 'GET'}`;

/** The hop counts the chain is measured at: as many forwards as each ring row's path (see compare.ts). */
export const CHAIN_RUNS: readonly { op: 'insert' | 'query'; forwards: number }[] = [
  { op: 'insert', forwards: 3 }, { op: 'insert', forwards: 2 }, { op: 'insert', forwards: 1 },
  { op: 'query', forwards: 2 }, { op: 'query', forwards: 1 },
];

/** The bare chain of 4 servers: PUTs and GETs entering so as to take each hop count of CHAIN_RUNS. */
export async function measureChain(plan: BenchPlan, load: Workload): Promise<BenchRow[]> {
  const servers = 1 + Math.max(...CHAIN_RUNS.map((run) => run.forwards));
  const chain = await startForwardChain(servers);
  try {
    // Every client enters at the same server, the way a ring's request enters at one node.
    const target = (forwards: number): Target => ({ endpoints: [chain.entry(forwards)], send: kvSender, pids: chain.pids });
    const warmed = await warmUp(plan, load, target(servers - 1));
    const rows: BenchRow[] = [];
    for (const { op, forwards } of CHAIN_RUNS) rows.push({ ...await drive(chainSetup(op, forwards), target(forwards), load[op], plan.clients), warmup: warmed });
    return rows;
  } finally {
    await chain.stop();
  }
}

/** The ceiling rows' names: the servers side by side, or with `ring`, ring-shaped. */
export const ceilingSetup = (op: 'insert' | 'query', servers: number, ring?: RingShape) => (ring === undefined
  ? `bare node:http, ${servers} servers answering themselves: ${op === 'insert' ? 'PUT' : 'GET'}`
  : `ring-shaped plain servers, ${servers} of them, k=${ring.k}, ${ring.wire} between them, ${ring.koa ? 'Koa' : 'node:http'} in front${ring.direct ? ', --direct' : ''}: ${op === 'insert' ? 'PUT' : 'GET'}`);

/** The ring-shaped ceiling's copies per key and what its servers speak to each other. */
export interface RingShape {
  k: number;
  wire: 'http' | 'lines' | 'frames';
  /** The public API served by Koa, not bare node:http. */
  koa?: boolean;
  /** Each request sent to its key's first server (a token-aware client), not to any. */
  direct?: boolean;
}

/**
 * `servers` hop servers: PUTs, then GETs, the clients spread over them (ring-shaped with
 * `direct`: each request sent to its key's first server). Side by side, each answering itself
 * (forward-chain.ts's startAnswerers), or with `ring` ring-shaped (startRingShaped).
 */
export async function measureCeiling(plan: BenchPlan, load: Workload, servers: number, ring?: RingShape): Promise<BenchRow[]> {
  const answerers = await (ring === undefined ? startAnswerers(servers) : startRingShaped(servers, ring.k, ring.wire, ring.koa));
  try {
    // The servers know each other in the order of `addresses` (forward-chain.ts), so a key's line over them names its holders.
    const send: Sender = ring?.direct ? (transport) => {
      const sendTo = kvSender(transport);
      return (_via, request) => sendTo(lineOf(request.key, answerers.addresses, ring.k)[0], request);
    } : kvSender;
    const target: Target = { endpoints: answerers.addresses, send, pids: answerers.pids };
    const warmed = await warmUp(plan, load, target);
    const rows: BenchRow[] = [];
    for (const op of ['insert', 'query'] as const) rows.push({ ...await drive(ceilingSetup(op, servers, ring), target, load[op], plan.clients), warmup: warmed });
    return rows;
  } finally {
    await answerers.stop();
  }
}

/** The etcd rows' names. */
export const ETCD_SETUP = {
  put: 'etcd, 3 members: put',
  linearizable: 'etcd, 3 members: get (linearizable)',
  serializable: 'etcd, 3 members: get (serializable)',
} as const;

/** A fresh 3-member etcd cluster: puts, then linearizable and serializable gets of the query fixture. */
export async function measureEtcd(plan: BenchPlan, load: Workload, binary: string): Promise<{ rows: BenchRow[]; dataDir: string }> {
  const etcd = await startEtcdCluster(binary, 3);
  try {
    const target = (serializable: boolean): Target => ({ endpoints: etcd.endpoints, send: etcdSender(serializable), pids: etcd.pids });
    const warmed = await warmUp(plan, load, target(false));
    const rows = [
      await drive(ETCD_SETUP.put, target(false), load.insert, plan.clients),
      await drive(ETCD_SETUP.linearizable, target(false), load.query, plan.clients),
      await drive(ETCD_SETUP.serializable, target(true), load.query, plan.clients),
    ].map((row) => ({ ...row, warmup: warmed }));
    return { rows, dataDir: etcd.dataDir };
  } finally {
    await etcd.stop();
  }
}
