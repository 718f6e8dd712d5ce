/**
 * Messages per join and per leave (the paper's O(log² N), §4): at each ring size, a few
 * nodes join one at a time through the real join protocol, and then leave through the
 * real depart protocol; every node-to-node call made meanwhile is counted, by path.
 *
 * chordkv repairs successor lists and the data's place inside the join and depart
 * protocols, and leaves fingers to fix_fingers, which runs on a timer whatever happens.
 * So a join's finger repair costs no messages of its own; the part of the paper's count it
 * stands for is reported beside ours: the nodes whose correct fingers change (computed
 * from the ring), each one fix_fingers lookup of the measured mean length.
 */
import { ID_BITS } from '../../common/ring.js';
import type { Member } from '../../common/wire.js';
import type { SimRing } from '../ring.js';
import type { RingTruth } from '../truth.js';
import { round } from '../stats.js';

export interface JoinCostRow {
  n: number;
  log2NSquared: number;
  /** Mean node-to-node calls made during one join. */
  joinMessages: number;
  /** Mean node-to-node calls made during one depart. */
  leaveMessages: number;
  /** Mean number of other nodes whose correct fingers change when a node joins. */
  fingerTablesChanged: number;
  /** fingerTablesChanged × (mean lookup forwards + 1): fix_fingers' share, as the paper counts it. */
  fingerRepairMessages: number;
  /** The calls of one join, by path, most first. */
  joinByPath: string;
}

/** The members (other than `changed`) whose correct finger tables differ between two rings. */
export function fingerTablesChanged(before: RingTruth, after: RingTruth, members: readonly Member[], changed: Member): number {
  let count = 0;
  for (const member of members) {
    if (member.id === changed.id) continue;
    const a = before.fingers(member.id);
    const b = after.fingers(member.id);
    for (let i = 0; i < ID_BITS; i++) {
      if (a[i]?.id !== b[i]?.id) {
        count++;
        break;
      }
    }
  }
  return count;
}

export async function measureJoinCost(ring: SimRing, changes: number, meanLookupHops: number): Promise<JoinCostRow> {
  const n = ring.size;
  let joinTotal = 0;
  let leaveTotal = 0;
  let tables = 0;
  const byPath = new Map<string, number>();
  const joined = [];
  for (let i = 0; i < changes; i++) {
    const before = ring.truth;
    const snapshot = ring.messages.snapshot();
    const node = await ring.join();
    const spent = ring.messages.since(snapshot);
    for (const [path, count] of spent) byPath.set(path, (byPath.get(path) ?? 0) + count);
    joinTotal += [...spent.values()].reduce((a, b) => a + b, 0);
    tables += fingerTablesChanged(before, ring.truth, ring.nodes.map((m) => m.self), node.self);
    joined.push(node);
  }
  for (const node of joined) {
    const snapshot = ring.messages.snapshot();
    await ring.depart(node);
    leaveTotal += [...ring.messages.since(snapshot).values()].reduce((a, b) => a + b, 0);
  }
  const fingerTables = tables / changes;
  return {
    n, log2NSquared: round(Math.log2(n) ** 2, 1), joinMessages: round(joinTotal / changes, 1), leaveMessages: round(leaveTotal / changes, 1),
    fingerTablesChanged: round(fingerTables, 1), fingerRepairMessages: round(fingerTables * (meanLookupHops + 1), 1),
    joinByPath: [...byPath].sort((a, b) => b[1] - a[1]).map(([path, count]) => `${path.replace('/rpc/', '')} ${round(count / changes, 1)}`).join('; '),
  };
}
