/**
 * Taking over a failed predecessor's range while a chain member is also down: the push of the
 * range to the chain fails, and reads must still never answer KEY_NOT_FOUND for a key the
 * ring holds (the live chain members got the range before the notify failed).
 */
import test from 'ava';
import { ChordError } from '../../common/errors.js';
import { hashId, sortClockwise, successorOf } from '../../common/ring.js';
import { toMemberJson } from '../../common/wire.js';
import { TestCluster } from '../helpers/cluster.js';

test('a node whose chain cannot take a failed predecessor\'s range does not serve it: reads never say KEY_NOT_FOUND for a key that is there', async (t) => {
  const cluster = await TestCluster.start(6, { k: 3, transport: 'memory', config: { k: 3, retryDeadlineMs: 1500 } });
  t.teardown(() => cluster.teardown());
  for (let round = 0; round < 3; round++) for (const node of cluster.nodes) await node.node.maintenance.runRound();
  await Promise.all(cluster.nodes.map((node) => node.node.maintenance.stop()));
  const ring = sortClockwise(cluster.nodes.map((n) => ({ id: hashId(n.address), node: n })), 0n);
  const at = (i: number) => ring[(i + ring.length) % ring.length].node;
  const [q, p, x, s1] = [at(0), at(1), at(2), at(3)];
  // Keys that p owns: replicated on p, x and s1, so the chain of x after the takeover (s2, s3) has none of them.
  const keys: string[] = [];
  for (let i = 0; keys.length < 10; i++) {
    const key = `taken over ${i}`;
    if (successorOf(hashId(key), ring.map((r) => ({ id: r.id, address: r.node.address }))).address === p.address) keys.push(key);
  }
  for (const key of keys) await cluster.kv.put(q.address, key, `value of ${key}`);

  cluster.network!.detach(p.address);
  cluster.network!.detach(s1.address);
  x.node.routing.markPredecessorFailed(p.node.self);
  // q notifies x before x's own rounds have evicted s1 from its successor list.
  await t.throwsAsync(x.node.maintenance.notified(toMemberJson(q.node.self)));
  // At once: a read refused for now (RING_CHANGING, no lease yet) is retried until the deadline.
  const answers = await Promise.all(keys.map((key) => x.node.get(key).then((a) => a.value, (err: ChordError) => err.code)));
  keys.forEach((key, i) => t.not(answers[i], 'KEY_NOT_FOUND', key));
});
