/**
 * One torture run: a ring of real processes, clients recording a history, the nemesis
 * injecting faults; then heal, settle, read every key from every member, and judge.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createKvClient } from '../common/client.js';
import type { Consistency } from '../common/wire.js';
import { checkHistory, describe, type Verdict } from './checker.js';
import type { Operation } from './history.js';
import { allowedFinals, byKey, staleness, valuesOf, type Staleness } from './judge.js';
import { Nemesis, type Fault, type NemesisEvent } from './nemesis.js';
import { MemoryRing } from './memory-ring.js';
import { MemoryPartitions, openNetwork } from './net.js';
import { Rng } from './prng.js';
import { stopOnInterrupt, TortureRing, type Ring } from './ring.js';
import { holdings, placementProblems, pointerProblems, until } from './settle.js';
import { keyNames, readKey, Recorder, runClients } from './workload.js';

export interface TortureOptions {
  readonly mode: Consistency;
  readonly seconds: number;
  readonly clients: number;
  readonly keys: number;
  readonly nodes: number;
  readonly k: number;
  readonly faults: readonly Fault[];
  readonly seed: number;
  readonly out: string;
  /** auto: namespaces as root, else the in-memory network (see net.ts). */
  readonly network: 'auto' | 'memory' | 'loopback';
  /** The node processes' log level (default warn): info or debug to see why a run failed, at some cost in speed. */
  readonly logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** How long each fault lasts, [min, max] ms (default 2–4 s: around the failure detector's timeout, 3 s here). */
  readonly holdMs?: [number, number];
  /** Progress lines (the summary is returned, not printed). */
  readonly say: (line: string) => void;
}

export interface TortureResult {
  readonly ok: boolean;
  readonly mode: Consistency;
  readonly seed: number;
  readonly operations: number;
  readonly counts: Record<string, number>;
  readonly network: string;
  readonly nemesis: readonly NemesisEvent[];
  readonly linearizability?: Verdict;
  readonly lost: string[];
  readonly placement: string[];
  readonly settleMs: number;
  readonly staleness: Staleness;
  readonly problems: string[];
  readonly report: string[];
}

export async function runTorture(options: TortureOptions): Promise<TortureResult> {
  await mkdir(options.out, { recursive: true });
  const random = new Rng(options.seed);
  const network = openNetwork(options.network, `ck${(process.pid % 46656).toString(36)}`);
  options.say(`network: ${network.note}`);
  const ringOptions = { nodes: options.nodes, k: options.k, mode: options.mode, dir: options.out, requestTimeoutMs: 1500, logLevel: options.logLevel };
  const ring: Ring = network instanceof MemoryPartitions ? new MemoryRing(ringOptions, network.network) : new TortureRing({ ...ringOptions, network });
  if (network instanceof MemoryPartitions) network.bind(() => ring.joined);
  // A node inside this process cannot be paused.
  const faults = network.kind === 'memory' ? options.faults.filter((f) => f !== 'pause') : options.faults;
  const { kv, close } = createKvClient({ timeoutMs: 8000 });
  const recorder = new Recorder();
  const problems: string[] = [];
  const stopRing = stopOnInterrupt(ring, network);
  try {
    await ring.startAll();
    options.say(`ring of ${options.nodes} up (k=${options.k}, ${options.mode}); running ${options.clients} clients for ${options.seconds} s, faults: ${faults.join(',') || 'none'}, seed ${options.seed}`);
    const nemesis = new Nemesis(ring, {
      faults, random: new Rng(options.seed ^ 0x5eed), network,
      minNodes: Math.max(options.k + 1, 3), maxNodes: options.nodes + 3,
      holdMs: options.holdMs ?? [2000, 4000], gapMs: [1000, 3000], depart: (address) => kv.depart(address),
    });
    let stopClients!: () => void;
    const stopped = new Promise<void>((resolve) => { stopClients = resolve; });
    const timer = setTimeout(stopClients, options.seconds * 1000);
    // Clients mostly know which members are healthy, as a client with a fresh ring view would;
    // one request in twenty goes to any member, so that dead, paused and cut-off entry points are met too.
    const pickNode = () => {
      const choices = random.next() < 0.05 ? ring.joined : ring.healthy;
      return choices.length > 0 ? random.pick(choices).address : undefined;
    };
    await Promise.all([
      runClients(kv, recorder, { clients: options.clients, keys: options.keys, pickNode, random }, stopped),
      nemesis.run(stopped).catch((err: Error) => { problems.push(`nemesis: ${err.message}`); stopClients(); }),
    ]);
    clearTimeout(timer);
    const clientsStopped = performance.now();
    options.say(`clients stopped after ${recorder.history.length} operations; settling`);

    const members = ring.joined;
    const keys = keyNames(options.keys);
    const pointers = await until(() => pointerProblems(kv, members), 60_000);
    problems.push(...pointers.problems.map((p) => `ring did not settle: ${p}`));
    const placed = await until(async () => placementProblems(await holdings(kv, members[0].address), members, options.k, keys), 60_000);
    const settleMs = performance.now() - clientsStopped;

    // Final reads go into the history, so the checker judges them with everything else.
    for (const key of keys) {
      for (const member of members) await recorder.record(-1 - member.slot, key, 'read', null, member.address, () => readKey(kv, member.address, key));
    }
    const history = recorder.sorted();
    const lost = lostWrites(history, members.length);
    const linearizability = options.mode === 'linearizable' ? checkHistory(history, { budgetMs: 60_000 }) : undefined;
    const stale = staleness(history.filter((op) => op.process >= 0));

    await writeHistory(options.out, history, nemesis.events);
    const counts = countOutcomes(history);
    const ok = problems.length === 0 && lost.length === 0 && placed.problems.length === 0 && (linearizability?.linearizable ?? true);
    const report = [
      ...(linearizability ? describe(linearizability) : []),
      ...lost.map((line) => `lost: ${line}`),
      ...placed.problems.map((line) => `placement: ${line}`),
      ...problems,
    ];
    const result: TortureResult = {
      ok, mode: options.mode, seed: options.seed, operations: history.length, counts, network: network.note, nemesis: nemesis.events, linearizability,
      lost, placement: placed.problems, settleMs, staleness: stale, problems, report,
    };
    await writeFile(join(options.out, 'verdict.json'), JSON.stringify({ options: { ...options, say: undefined }, ...result }, null, 2));
    return result;
  } finally {
    close();
    await stopRing();
  }
}

/** Keys whose value read back after the run (from any member) is not one the history allows. */
function lostWrites(history: readonly Operation[], members: number): string[] {
  const lost: string[] = [];
  for (const [key, ops] of byKey(history)) {
    const allowed = allowedFinals(ops.filter((op) => op.process >= 0));
    const finals = ops.filter((op) => op.process < 0);
    const unanswered = finals.filter((op) => op.outcome !== 'ok').length;
    if (unanswered > 0) lost.push(`${key}: ${unanswered} of ${members} members did not answer the final read`);
    for (const read of finals.filter((op) => op.outcome === 'ok' && valuesOf(op).some((value) => !allowed.has(value)))) {
      lost.push(`${key}: ${read.node} answers ${valuesOf(read).map((v) => JSON.stringify(v)).join(' and ')}, but the history allows only ${[...allowed].map((v) => JSON.stringify(v)).join(' or ')}`);
    }
  }
  return lost;
}

function countOutcomes(history: readonly Operation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const op of history) counts[`${op.kind} ${op.outcome}`] = (counts[`${op.kind} ${op.outcome}`] ?? 0) + 1;
  return counts;
}

async function writeHistory(dir: string, history: readonly Operation[], events: readonly NemesisEvent[]): Promise<void> {
  await writeFile(join(dir, 'history.jsonl'), history.map((op) => JSON.stringify(op)).join('\n') + '\n');
  await writeFile(join(dir, 'nemesis.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

/** One line that says how the run went, with the seed that replays it. */
export function summaryLine(r: TortureResult): string {
  const total = (suffix: string) => Object.entries(r.counts).filter(([name]) => name.endsWith(suffix)).reduce((n, [, count]) => n + count, 0);
  return [
    r.ok ? 'PASS' : 'FAIL', `mode=${r.mode}`, `seed=${r.seed}`, `ops=${r.operations}`, `ok=${total(' ok')}`, `unknown=${total(' unknown')}`,
    `faults=${r.nemesis.filter((e) => e.fault !== 'heal').length}`,
    ...(r.linearizability ? [`violations=${r.linearizability.keys.filter((k) => !k.linearizable).length}`] : []),
    `lost=${r.lost.length}`, `stale=${r.staleness.stale}/${r.staleness.reads}`, `settled=${(r.settleMs / 1000).toFixed(1)}s`,
  ].join(' ');
}
