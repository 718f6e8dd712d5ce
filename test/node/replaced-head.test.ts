/**
 * A head replaced without knowing it: its successor judged it failed (it was paused, or cut
 * off), took its range over after the lease wait and acknowledged newer writes. When it comes
 * back it still believes it heads the range until a maintenance round tells it otherwise, and a
 * write that reaches it meanwhile (a call a link or its own pause held back, a retry) must not
 * be applied there with a fresh version, newer than what its successor acknowledged: that
 * undid an acknowledged write in a torture run. Maintenance is stopped, so the ring stays in
 * that state for as long as the test needs.
 */
import test, { type ExecutionContext } from 'ava';
import { ChordError } from '../../common/errors.js';
import { hashId, sortClockwise, successorOf } from '../../common/ring.js';
import { toMemberJson } from '../../common/wire.js';
import { noMetrics } from '../../node/metrics.js';
import { chain as chainCall } from '../../node/rpc/replication.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { TestCluster } from '../helpers/cluster.js';

async function replacedHead(t: ExecutionContext, size = 4) {
  const cluster = await TestCluster.start(size, { k: 3, transport: 'memory', store: () => new MemoryStore(), config: { k: 3, retryDeadlineMs: 800 } });
  t.teardown(() => cluster.teardown());
  for (let round = 0; round < 3; round++) for (const node of cluster.nodes) await node.node.maintenance.runRound();
  await Promise.all(cluster.nodes.map((node) => node.node.maintenance.stop()));
  const ring = sortClockwise(cluster.nodes.map((n) => ({ id: hashId(n.address), node: n })), 0n);
  const at = (i: number) => ring[(i + ring.length) % ring.length].node;
  const [p, h, s] = [at(0), at(1), at(2)];
  let key = '';
  for (let i = 0; !key; i++) {
    const candidate = `replaced head ${i}`;
    if (successorOf(hashId(candidate), ring.map((r) => ({ id: r.id, address: r.node.address }))).address === h.address) key = candidate;
  }
  await cluster.kv.put(h.address, key, 'first');
  // The head stops; its successor judges it failed and, once the node before it notifies,
  // takes its range over (after the lease wait) and acknowledges a newer write.
  cluster.pause(h);
  s.node.routing.markPredecessorFailed(h.node.self);
  t.true(await s.node.maintenance.notified(toMemberJson(p.node.self)), 'the successor took the range over');
  await cluster.kv.put(s.address, key, 'acknowledged by the successor');
  cluster.resume(h);
  const copies = () => cluster.nodes.map((n) => cluster.storeOf(n).get(key).then((item) => item?.value));
  return { cluster, p, h, s, key, copies, at };
}

test('a head replaced while it was paused applies no write when it resumes: its successor grants it no lease', async (t) => {
  const { h, s, key, copies } = await replacedHead(t);
  const before = await Promise.all(copies());
  const err = await t.throwsAsync<ChordError>(h.node.put(key, 'late'));
  t.is(err?.code, 'RING_CHANGING', err?.message);
  t.is((await s.node.get(key)).value, 'acknowledged by the successor');
  t.deepEqual(await Promise.all(copies()), before, 'no copy changed, the old head\'s own neither');
});

test('a head cut off from every successor (its predecessor kept) applies no write: it is not alone, and holds no lease', async (t) => {
  const { h, key, copies } = await replacedHead(t);
  for (const successor of [...h.node.routing.successors]) h.node.routing.evict(successor.address);
  t.is(h.node.routing.successors.length, 0);
  const before = await Promise.all(copies());
  const err = await t.throwsAsync<ChordError>(h.node.put(key, 'late'));
  t.is(err?.code, 'RING_CHANGING', err?.message);
  t.deepEqual(await Promise.all(copies()), before);
});

test('a chain member refuses a chain write of a key it heads itself, and keeps its copy', async (t) => {
  const { cluster, h, s, key, copies } = await replacedHead(t);
  const current = await cluster.storeOf(s).get(key);
  const newer = { key, value: 'late', version: (current!.version as number) + 1 };
  // As the old head's call down its chain would come, late.
  const rpc = new RpcClient(cluster.network!.transport(h.address, { timeoutMs: 2000 }), noMetrics);
  const err = await t.throwsAsync<ChordError>(rpc.call(chainCall, s.address, { items: [newer], rest: [] }));
  t.is(err?.code, 'RING_CHANGING', err?.message);
  t.false((await Promise.all(copies())).includes('late'));
});

test('once the old head notifies its successor again, it heads its range and writes there', async (t) => {
  const { p, h, s, key } = await replacedHead(t);
  t.true(await s.node.maintenance.notified(toMemberJson(h.node.self)), 'the successor took it back');
  await h.node.put(key, 'after healing');
  t.is((await p.node.get(key)).value, 'after healing');
});

test('once the old head notifies its successor again, it answers with what its successor acknowledged meanwhile, not its own older copy', async (t) => {
  const { cluster, p, h, s, key } = await replacedHead(t);
  t.true(await s.node.maintenance.notified(toMemberJson(h.node.self)), 'the successor took it back');
  t.is((await cluster.storeOf(h).get(key))?.value, 'acknowledged by the successor', 'the old head\'s copy');
  // Until the first read's lease request is answered the head asks the tail; then it answers from its own copy.
  const answers = [];
  for (const via of [h, p, h, p]) answers.push(await via.node.get(key));
  for (const answer of answers) t.is(answer.value, 'acknowledged by the successor');
  t.true(answers.some((answer) => 'node' in answer && answer.node === h.address), 'the old head answered from its own copy at least once');
});

test('a replaced head whose chain was rebuilt from nodes that never held its range reads nothing down it', async (t) => {
  // Six nodes: the two before the head hold none of its range (k = 3), so a chain of them has
  // only what the head pushes them, its own stale copies. A head back from a cut can get such a
  // chain while it walks back from a stand-in successor after losing every other.
  const { h, key, at } = await replacedHead(t, 6);
  const [before1, before2] = [at(0), at(-1)];
  h.node.routing.setSuccessors(before1.node.self, [before2.node.self]);
  const token = 'test: switch the chain';
  await h.node.lock.acquireExclusive(token, 5000);
  try {
    await h.node.replicas.reconcile();
  } finally {
    h.node.lock.releaseExclusive(token);
  }
  t.deepEqual(h.node.replicas.activeChain.map((m) => m.address), [before1.address, before2.address]);
  const answer = await h.node.get(key).then((a) => `value ${a.value}`, (err: ChordError) => err.code);
  t.is(answer, 'RING_CHANGING', 'no lease from its successor: it does not head the range, and its tail has only its stale copy');
});
