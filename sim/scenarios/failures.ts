/**
 * Simultaneous failures (the paper's Fig. 11): a ring holding `keys` pairs loses a random
 * fraction p of its nodes at once (crashes: no goodbye), maintenance runs until every
 * live node's successor is right again (or a round limit), and then every key is read
 * through a random live node, and again after two anti-entropy periods. A read that errs or
 * does not return the value written fails.
 * With k = 1 a key dies with its one holder, so about p of the reads should fail; with
 * k = 3 a key is lost only when its owner and both replicas failed together (about p³).
 */
import { hashId } from '../../common/ring.js';
import type { SimRing } from '../ring.js';
import { sample } from '../random.js';
import { round } from '../stats.js';

export interface FailureRow {
  k: number;
  n: number;
  p: number;
  keys: number;
  /** Reads that failed as soon as every live node's successor was right, as a fraction of all keys. */
  failedReads: number;
  /** The same reads again after `repairRounds` more rounds (anti-entropy included). */
  failedAfterRepair: number;
  /** Keys whose every holder (owner and k-1 successors) failed: lost whatever the protocol does. */
  keysLost: number;
  /** Rounds of maintenance until every live node's successor was right. */
  roundsToStable: number;
}

const MAX_STABILIZE_ROUNDS = 60;
const BATCH = 200;

/** Whether every live node's first successor is the correct one. */
export function successorsRight(ring: SimRing): boolean {
  return ring.nodes.every((node) => node.routing.successors[0]?.id === ring.truth.successor(node.self.id + 1n).id);
}

/** Puts `count` keys through random members, `BATCH` at a time; returns the keys. */
export async function insertKeys(ring: SimRing, count: number, prefix: string): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix} ${i}`);
  for (let i = 0; i < keys.length; i += BATCH) {
    await ring.clock.run(Promise.all(keys.slice(i, i + BATCH).map((key) => ring.randomNode().put(key, `value of ${key}`))));
  }
  return keys;
}

/** Fails a random fraction `p` of the ring at once, lets it stabilize, reads every key. */
export async function measureFailures(ring: SimRing, keys: string[], p: number, k: number, repairRounds = 2 * ring.config.antiEntropyRounds): Promise<FailureRow> {
  const n = ring.size;
  const before = ring.truth;
  const victims = new Set(sample(ring.rng, ring.nodes, Math.round(p * n)));
  const victimIds = new Set([...victims].map((v) => v.self.id));
  let keysLost = 0;
  for (const key of keys) {
    const holders = before.replicas(hashId(key), k);
    if (holders.every((h) => victimIds.has(h.id))) keysLost++;
  }
  await Promise.all([...victims].map((node) => ring.crash(node)));
  let rounds = 0;
  while (rounds < MAX_STABILIZE_ROUNDS && !successorsRight(ring)) {
    await ring.rounds(1);
    rounds++;
  }
  const failed = await failedReads(ring, keys);
  await ring.rounds(repairRounds);
  const later = await failedReads(ring, keys);
  return {
    k, n, p, keys: keys.length, failedReads: round(failed / keys.length, 4), failedAfterRepair: round(later / keys.length, 4),
    keysLost: round(keysLost / keys.length, 4), roundsToStable: rounds,
  };
}

/** Reads every key through a random live member; counts those that err or do not return the value written. */
async function failedReads(ring: SimRing, keys: readonly string[]): Promise<number> {
  let failed = 0;
  for (let i = 0; i < keys.length; i += BATCH) {
    const reads = keys.slice(i, i + BATCH).map((key) => ring.randomNode().get(key).then((a) => a.value === `value of ${key}`, () => false));
    failed += (await ring.clock.run(Promise.all(reads))).filter((ok) => !ok).length;
  }
  return failed;
}
