/**
 * The PBS-style staleness experiment for quorum mode: how likely a read misses a write that
 * was acknowledged t ms earlier.
 *
 * Reads go to the key's coordinator, which stored every write itself before acknowledging
 * it, so in a healthy ring a read is never stale, whatever R and W. A read misses a write
 * only when another node coordinates it, which is what happens when the coordinator is
 * lost: the next node of the key's preference list takes over with what the surviving
 * replicas hold. So each round writes keys through one coordinator and then loses it; each
 * key is given an age t, and the network loses every copy of that key the coordinator sends
 * that would arrive more than t ms after the write's acknowledgement, as if the coordinator
 * had been cut off at that instant. After the ring has failed over, every acknowledged key
 * is read through the public API: a read that misses the write is stale at age t.
 * One real failover per round serves every key of the round, at every age.
 * Every fourth key is a control instead: read t ms after its acknowledgement while the
 * coordinator is still there, which shows what a healthy ring answers.
 */
import { performance } from 'node:perf_hooks';
import { asChordError } from '../../common/errors.js';
import { quorumStore } from '../../node/rpc/quorum.js';
import type { RunningNode } from '../../node/start.js';
import { LaggingRing } from './lagging-ring.js';

export interface PbsSetting {
  r: number;
  w: number;
}

export interface PbsOptions {
  nodes: number;
  k: number;
  /** Mean of each leg's delay on the node-to-node network, in ms. */
  lagMs: number;
  /** The ages t (ms after the acknowledgement) at which the coordinator is lost; keys take them in turn. */
  agesMs: readonly number[];
  /** Rounds (coordinator losses) per ring. */
  rounds: number;
  /** How long each round writes. */
  windowMs: number;
  /** Concurrent writers during the window. */
  clients: number;
}

/** One acknowledged write, read after the failover. */
export interface Sample {
  ageMs: number;
  stale: boolean;
}

export interface PbsRun extends PbsSetting {
  /** Reads after the coordinator was lost t ms after the acknowledgement. */
  samples: Sample[];
  /** Control reads t ms after the acknowledgement, with the coordinator alive. */
  healthy: Sample[];
  rounds: number;
  /** Writes that failed: not acknowledged, so not samples. */
  writeErrors: number;
  /** Reads that still failed after retries, by code: not samples either. */
  readErrors: Record<string, number>;
  seconds: number;
}

/** Codes a read may meet while the ring is still taking over the lost node's keys. */
const TRANSIENT = new Set(['RING_CHANGING', 'NOT_READY', 'PEER_UNREACHABLE', 'PEER_TIMEOUT', 'QUORUM_NOT_MET']);
const READ_TRIES = 20;
const READERS = 16;
/** After the last acknowledgement, how long copies may still arrive within their key's age. */
const SETTLE_MS = 200;
/** Every CONTROL-th key is read in the healthy ring instead of after the loss. */
const CONTROL = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `rounds` coordinator losses on one fresh ring with this R and W. */
export async function measurePbs(setting: PbsSetting, options: PbsOptions, batch: string): Promise<PbsRun> {
  const started = performance.now();
  const ring = await LaggingRing.start({ ...setting, nodes: options.nodes, k: options.k, lagMs: options.lagMs });
  const run: PbsRun = { ...setting, samples: [], healthy: [], rounds: 0, writeErrors: 0, readErrors: {}, seconds: 0 };
  try {
    for (let round = 0; round < options.rounds; round++) {
      await lossRound(ring, options, `${batch}-${round}`, run);
      run.rounds++;
    }
  } finally {
    await ring.teardown();
  }
  run.seconds = (performance.now() - started) / 1000;
  return run;
}

async function lossRound(ring: LaggingRing, options: PbsOptions, round: string, run: PbsRun): Promise<void> {
  const coordinator = ring.nodes[Math.floor(Math.random() * ring.nodes.length)];
  const keys = keysOf(ring, coordinator, round);
  const ageOf = new Map(keys.map((key, i) => [key, options.agesMs[i % options.agesMs.length]]));
  /** Key → the instant after which its coordinator counts as lost for it (set at its acknowledgement). */
  const lostAfter = new Map<string, number>();
  ring.lose((from, path, body) => {
    if (from !== coordinator.address || path !== quorumStore.path) return false;
    const deadline = lostAfter.get((body as { item: { key: string } }).item.key);
    return deadline !== undefined && performance.now() > deadline;
  });
  let next = 0;
  const controls: Promise<void>[] = [];
  const end = performance.now() + options.windowMs;
  const writer = async () => {
    while (performance.now() < end && next < keys.length) {
      const index = next++;
      const key = keys[index];
      try {
        // Straight to the coordinator: no routing hop between the client and the measured write.
        await ring.kv.write(coordinator.address, key, `value of ${key}`);
        if (index % CONTROL === CONTROL - 1) controls.push(healthyRead(ring, key, ageOf.get(key)!, run));
        else lostAfter.set(key, performance.now() + ageOf.get(key)!);
      } catch {
        run.writeErrors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, writer));
  await Promise.all(controls);
  await sleep(Math.max(...options.agesMs) + SETTLE_MS);
  ring.isolate(coordinator);
  await ring.crash(coordinator);
  ring.lose(undefined);
  await ring.settled();
  const acked = [...lostAfter.keys()];
  let cursor = 0;
  const reader = async () => {
    while (cursor < acked.length) {
      const key = acked[cursor++];
      const answer = await readValue(ring, key, run);
      if (answer !== undefined) run.samples.push({ ageMs: ageOf.get(key)!, stale: answer !== `value of ${key}` });
    }
  };
  await Promise.all(Array.from({ length: READERS }, reader));
  await ring.join();
  await ring.settled();
}

/** A control: `key` read `ageMs` after its acknowledgement, through a random node, with its coordinator alive. */
async function healthyRead(ring: LaggingRing, key: string, ageMs: number, run: PbsRun): Promise<void> {
  await sleep(ageMs);
  const answer = await readValue(ring, key, run);
  if (answer !== undefined) run.healthy.push({ ageMs, stale: answer !== `value of ${key}` });
}

/** Enough fresh keys that `coordinator` owns to keep the writers busy for the whole window. */
function keysOf(ring: LaggingRing, coordinator: RunningNode, round: string): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < 5000 && i < 300_000; i++) {
    const key = `pbs ${round} ${i}`;
    if (ring.owner(key) === coordinator) keys.push(key);
  }
  return keys;
}

/** The value a read answers, retried while the ring changes (null: not found); undefined if it kept failing. */
async function readValue(ring: LaggingRing, key: string, run: PbsRun): Promise<string | null | undefined> {
  for (let attempt = 1; ; attempt++) {
    const via = ring.nodes[Math.floor(Math.random() * ring.nodes.length)];
    try {
      // One write per key, so no siblings: an answer without a value is not the written one.
      return (await ring.kv.read(via.address, key)).value ?? null;
    } catch (err) {
      const code = asChordError(err).code;
      if (code === 'KEY_NOT_FOUND') return null;
      if (!TRANSIENT.has(code) || attempt === READ_TRIES) {
        run.readErrors[code] = (run.readErrors[code] ?? 0) + 1;
        return undefined;
      }
      await sleep(50);
    }
  }
}
