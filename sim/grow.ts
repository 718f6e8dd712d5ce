/**
 * Building a ring of thousands of nodes in reasonable wall time: every node joins through
 * the real join protocol (Membership.join: a lookup from its contact, then the successor
 * admits it), but the ring doubles in steps, and maintenance gets a few rounds after each
 * step, so that the contacts — always members from before the step — have converged
 * fingers and a join's lookup costs O(log N) hops rather than a walk along successor lists.
 */
import type { ChordNode } from '../node/chord-node.js';
import type { SimRing } from './ring.js';

/** Rounds of maintenance after a step, at most; fewer when the fingers are all right earlier. */
const MAX_ROUNDS_PER_STEP = 16;

/** Runs maintenance until no more than `tolerance` of the finger entries are wrong (or the round limit); returns the rounds run. */
export async function converge(ring: SimRing, tolerance = 0, maxRounds = MAX_ROUNDS_PER_STEP): Promise<number> {
  let rounds = 0;
  while (rounds < maxRounds && ring.wrongFingers() > tolerance) {
    await ring.rounds(2);
    rounds += 2;
  }
  return rounds;
}

/**
 * Grows the ring to `target` members (creating it if empty), at most doubling per step,
 * with maintenance converging after each step; `atSize` runs whenever the size reaches
 * one of `stops` (after convergence).
 */
export async function grow(ring: SimRing, target: number, stops: readonly number[] = [], atSize?: (size: number) => Promise<void>): Promise<void> {
  if (ring.size === 0) ring.create();
  while (ring.size < target) {
    const next = Math.min(target, ring.size * 2, ...stops.filter((s) => s > ring.size));
    const contacts: readonly ChordNode[] = [...ring.nodes];
    while (ring.size < next) await ring.join(ring.rng.pick(contacts));
    await converge(ring);
    if (stops.includes(ring.size) && atSize) await atSize(ring.size);
  }
}
