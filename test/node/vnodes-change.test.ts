/**
 * A process with several ring ids joins and departs as one membership change: one token
 * holds the locks of every step, taken in ascending id order, and placement is exact when
 * the change returns.
 */
import test from 'ava';
import { MembershipLock } from '../../node/membership-lock.js';
import type { ChordNode } from '../../node/chord-node.js';
import { TestCluster } from '../helpers/cluster.js';

/** Every exclusive hold taken from now on, first per (token, lock), in the order taken. */
function recordLocks() {
  const taken: { token: string; lock: MembershipLock }[] = [];
  const original = Reflect.get<MembershipLock, 'acquireExclusive'>(MembershipLock.prototype, 'acquireExclusive');
  MembershipLock.prototype.acquireExclusive = function (this: MembershipLock, token: string, leaseMs: number) {
    if (!taken.some((t) => t.token === token && t.lock === this)) taken.push({ token, lock: this });
    return original.call(this, token, leaseMs);
  };
  return { taken, restore: () => { MembershipLock.prototype.acquireExclusive = original; } };
}

/** The membership changes (tokens that locked more than one node) that touched `ids`, each with the ids it locked in order. */
function changesTouching(taken: { token: string; lock: MembershipLock }[], everyone: ChordNode[], ids: ChordNode[]): bigint[][] {
  const idOf = (lock: MembershipLock) => everyone.find((v) => v.lock === lock)?.self.id;
  const tokens = [...new Set(taken.map((t) => t.token))];
  return tokens
    .map((token) => taken.filter((t) => t.token === token))
    .filter((holds) => holds.length > 1 && holds.some((h) => ids.some((v) => v.lock === h.lock)))
    .map((holds) => holds.map((h) => idOf(h.lock)!));
}

const ascending = (ids: bigint[]) => ids.every((id, i) => i === 0 || ids[i - 1] < id);

test.serial('a process of 8 ids joins and departs as one membership change, its locks taken in ascending id order', async (t) => {
  const cluster = await TestCluster.start(3, { k: 3, transport: 'memory', config: { vnodes: 8 } });
  const expected = new Map<string, string>();
  const locks = recordLocks();
  try {
    for (let i = 0; i < 30; i++) {
      expected.set(`key ${i}`, `value ${i}`);
      await cluster.kv.write(cluster.random().address, `key ${i}`, `value ${i}`);
    }
    locks.taken.length = 0;
    const joiner = await cluster.join();
    const everyone = () => cluster.nodes.flatMap((n) => n.vnodes);
    const joins = changesTouching(locks.taken, everyone(), [...joiner.vnodes]);
    t.is(joins.length, 1, 'one change took the 8 ids in');
    t.true(ascending(joins[0]), 'locks in ascending id order');
    t.true(joiner.vnodes.every((v) => joins[0].includes(v.self.id)), 'every id of the process locked by it');
    t.deepEqual(await cluster.placementProblems(expected, 3), [], 'placement exact when the join returns');

    locks.taken.length = 0;
    const leaving = cluster.nodes[1];
    const before = everyone();
    await cluster.depart(leaving);
    const departs = changesTouching(locks.taken, before, [...leaving.vnodes]);
    t.is(departs.length, 1, 'one change took the 8 ids out');
    t.true(ascending(departs[0]), 'locks in ascending id order');
    t.deepEqual(await cluster.placementProblems(expected, 3), [], 'placement exact when the depart returns');
  } finally {
    locks.restore();
    await cluster.teardown();
  }
});
