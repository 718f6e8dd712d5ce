/**
 * What a correct ring looks like, computed from the members' ids alone: the true owner of
 * an id and the true finger table of a node. The simulator judges the real nodes' answers
 * and routing state against it. Pure; the ids are kept sorted, so each answer is a binary
 * search (common/ring.ts's successorOf scans every member, too slow at N = 4,096 × 160 fingers).
 */
import { fingerStart, ID_BITS } from '../common/ring.js';
import type { Member } from '../common/wire.js';

export class RingTruth {
  private readonly sorted: readonly Member[];

  constructor(members: readonly Member[]) {
    this.sorted = [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get size(): number {
    return this.sorted.length;
  }

  /** The member that owns `id`: the first at or after it, clockwise. */
  successor(id: bigint): Member {
    return this.sorted[this.ownerIndex(id)];
  }

  /** The owner of `id` and the next k-1 members: where its copies belong. */
  replicas(id: bigint, k: number): Member[] {
    const first = this.ownerIndex(id);
    const count = Math.min(k, this.sorted.length);
    return Array.from({ length: count }, (_, i) => this.sorted[(first + i) % this.sorted.length]);
  }

  private ownerIndex(id: bigint): number {
    const nodes = this.sorted;
    if (nodes.length === 0) throw new RangeError('an empty ring owns nothing');
    let low = 0;
    let high = nodes.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (nodes[mid].id < id) low = mid + 1;
      else high = mid;
    }
    return low % nodes.length;
  }

  /** Finger i of `self`: successor(self + 2^i); undefined where that is `self` (as RoutingTable keeps it). */
  fingers(self: bigint): (Member | undefined)[] {
    return Array.from({ length: ID_BITS }, (_, i) => {
      const owner = this.successor(fingerStart(self, i));
      return owner.id === self ? undefined : owner;
    });
  }
}

/** How many of `actual` differ from `expected`, slot by slot (compared by id). */
export function wrongEntries(actual: readonly (Member | undefined)[], expected: readonly (Member | undefined)[]): number {
  let wrong = 0;
  for (let i = 0; i < expected.length; i++) if (actual[i]?.id !== expected[i]?.id) wrong++;
  return wrong;
}
