/**
 * Load balance (the paper's Figs. 8 and 9): `keys` pairs put through random members of an
 * N-node ring; each node then reports how many it holds as primary (GET /status's count).
 * Without virtual nodes the spread is wide (ids are uniform, the arcs they own are not);
 * virtual nodes are not built yet, so V = 1 only.
 */
import { hashId as hashKey } from '../../common/ring.js';
import type { SimRing } from '../ring.js';
import { round, summarize } from '../stats.js';
import { insertKeys } from './failures.js';

export interface BalanceRow {
  n: number;
  vnodes: number;
  keys: number;
  mean: number;
  p1: number;
  p50: number;
  p99: number;
  max: number;
  /** The most any node holds, over the mean. */
  maxOverMean: number;
  /** Nodes whose count differs from what the correct ring says they own (should be 0). */
  misplaced: number;
}

export async function measureBalance(ring: SimRing, keys: number): Promise<{ row: BalanceRow; perNode: number[] }> {
  const inserted = await insertKeys(ring, keys, `balance ${ring.size}`);
  const expected = new Map<string, number>();
  for (const key of inserted) {
    const owner = ring.truth.successor(hashKey(key)).address;
    expected.set(owner, (expected.get(owner) ?? 0) + 1);
  }
  const perNode: number[] = [];
  let misplaced = 0;
  for (const node of ring.nodes) {
    const { keys: held } = await ring.clock.run(node.status());
    perNode.push(held.primary);
    if (held.primary !== (expected.get(node.self.address) ?? 0)) misplaced++;
  }
  const s = summarize(perNode);
  return {
    row: {
      n: ring.size, vnodes: 1, keys, mean: round(s.mean, 2), p1: s.p1, p50: s.p50, p99: s.p99, max: s.max,
      maxOverMean: round(s.max / s.mean, 2), misplaced,
    },
    perNode,
  };
}
