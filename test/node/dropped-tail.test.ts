/**
 * A chain member drops the pairs of a range it no longer holds once it has handed them on.
 * A head may still send reads down the chain it had: after a ring split heals, say, the
 * member sees its new predecessors before the head sees its new successors, and the head
 * switches chains only in a later round. Such a read must never come back "not found" for
 * a key the ring holds (a torture run saw exactly that for ~50 ms after a split healed).
 */
import test from 'ava';
import type { ChordError } from '../../common/errors.js';
import { hashId, inHalfOpen, sortClockwise } from '../../common/ring.js';
import type { RunningNode } from '../../node/start.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { TestCluster } from '../helpers/cluster.js';

test('a member that dropped a key it handed on refuses a chain read of it rather than say it is not there', async (t) => {
  const cluster = await TestCluster.start(5, { k: 3, transport: 'memory', config: { k: 3 }, store: () => new MemoryStore() });
  t.teardown(() => cluster.teardown());
  for (let round = 0; round < 3; round++) for (const node of cluster.nodes) await node.node.maintenance.runRound();
  await Promise.all(cluster.nodes.map((node) => node.node.maintenance.stop()));
  // Two keys in every node's range, so that whichever node the joiner lands after has some.
  const before = sortClockwise(cluster.nodes.map((n) => ({ id: n.node.self.id, node: n })), 0n);
  const keys: string[] = [];
  before.forEach(({ id }, i) => {
    const from = before[(i - 1 + before.length) % before.length].id;
    for (let n = 0, found = 0; found < 2; n++) {
      if (!inHalfOpen(hashId(`kept ${i} ${n}`), from, id)) continue;
      keys.push(`kept ${i} ${n}`);
      found++;
    }
  });
  for (const key of keys) await cluster.kv.put(cluster.nodes[0].address, key, `value of ${key}`);

  // A joiner lands right after some head: the member two places after the joiner, the
  // head's tail until then, no longer holds the head's keys and drops them.
  const joiner = await cluster.join(cluster.nodes[0]);
  await joiner.node.maintenance.stop();
  const ring = sortClockwise(cluster.nodes.map((n) => ({ id: n.node.self.id, node: n })), 0n);
  const at = (i: number): RunningNode => ring[(i + ring.length) % ring.length].node;
  const j = ring.findIndex((r) => r.node === joiner);
  const head = at(j - 1);
  const oldTail = at(j + 2);
  const headKeys = keys.filter((key) => inHalfOpen(hashId(key), at(j - 2).node.self.id, head.node.self.id));
  t.is(headKeys.length, 2, 'two keys are the head\'s');
  await oldTail.node.replicas.handOnForeign();
  const store = cluster.storeOf(oldTail);
  t.deepEqual(await Promise.all(headKeys.map((key) => store.get(key))), headKeys.map(() => undefined), 'the old tail dropped the head\'s keys');

  // What a head that still names it as tail asks it.
  for (const key of headKeys) {
    const answer = await oldTail.node.rpcServer.dispatch('POST', '/rpc/read', { key, hops: 1 }).then(
      (a) => (a as { item: unknown }).item,
      (err: ChordError) => err.code,
    );
    t.is(answer, 'RING_CHANGING', key);
  }
  // A key it never held is still simply not there, in the head's range or elsewhere.
  const never = (inHeadRange: boolean) => {
    for (let i = 0; ; i++) if (inHalfOpen(hashId(`never ${i}`), at(j - 2).node.self.id, head.node.self.id) === inHeadRange) return `never ${i}`;
  };
  for (const key of [never(true), never(false)]) {
    t.like(await oldTail.node.rpcServer.dispatch('POST', '/rpc/read', { key, hops: 1 }), { item: null }, key);
  }
});
