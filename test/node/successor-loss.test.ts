/**
 * A node whose whole successor list fails at once (r = 2 here; in the simulator, 8 of 256
 * nodes in a row when half the ring fails) still knows live nodes further on through its
 * routing view and its fingers: it must find its new successor through them rather than stay
 * cut off from the rest of the ring, or, when its predecessor failed too, believe it is alone
 * and own every key.
 * Rounds are driven by hand, so the order in which nodes stabilize is the test's.
 */
import test from 'ava';
import type { ChordError } from '../../common/errors.js';
import { hashId, inHalfOpen, sortClockwise, successorOf } from '../../common/ring.js';
import type { RunningNode } from '../../node/start.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

const SIZE = 8;
const KEYS = 48;

async function ringWithKeys(t: { teardown(fn: () => Promise<void>): void }) {
  const cluster = await TestCluster.start(SIZE, { k: 1, transport: 'memory', config: { k: 1, successorListSize: 2, retryDeadlineMs: 2000 } });
  t.teardown(() => cluster.teardown());
  const keys = Array.from({ length: KEYS }, (_, i) => `cut off ${i}`);
  for (const key of keys) await cluster.kv.put(cluster.nodes[0].address, key, `value of ${key}`);
  // Fingers converged, then no timer runs: each round below is one the test chose.
  for (let round = 0; round < 4; round++) for (const node of cluster.nodes) await node.node.maintenance.runRound();
  await Promise.all(cluster.nodes.map((node) => node.node.maintenance.stop()));
  return { cluster, keys, at: ringSeenFrom(cluster.nodes) };
}

/**
 * The ring in clockwise order, as `at(i)`, from a node `at(0)` with a finger past `at(2)`.
 * These tests crash `at(-1)`, `at(1)` and `at(2)`; the node's fingers lead past them. (One
 * whose fingers all failed too finds the ring through its routing view: the last test.)
 */
function ringSeenFrom(nodes: readonly RunningNode[]): (i: number) => RunningNode {
  const ring = sortClockwise(nodes.map((n) => ({ id: hashId(n.address), node: n })), 0n).map((r) => r.node);
  const offset = (from: number, address: string) => (ring.findIndex((n) => n.address === address) - from + ring.length) % ring.length;
  const start = ring.findIndex((node, i) => node.node.routing.fingers.some((f) => f && offset(i, f.address) > 2 && offset(i, f.address) < ring.length - 1));
  if (start < 0) throw new Error('no node has a finger past its second successor');
  return (i: number) => ring[(start + i + ring.length) % ring.length];
}

/** One round on each live node, in ring order from `first`. */
async function roundFrom(live: readonly RunningNode[], first: RunningNode): Promise<void> {
  const start = live.indexOf(first);
  for (let i = 0; i < live.length; i++) await live[(start + i) % live.length].node.maintenance.runRound();
}

/** An answer other than the key's value or a refusal to answer yet: "not found", or another value. */
const isWrong = (answer: string) => answer !== 'ok' && !answer.endsWith(': RING_CHANGING');

/** What `via` answers for each key whose owner in the ring of `live` held it before the crash (k = 1: the others are lost). */
async function readsOfSurvivingKeys(via: RunningNode, keys: string[], before: RunningNode[], live: RunningNode[]): Promise<string[]> {
  const members = (nodes: RunningNode[]) => nodes.map((n) => ({ id: hashId(n.address), address: n.address }));
  // All at once: a read refused for a while (RING_CHANGING) is retried until the retry deadline.
  const surviving = keys.filter((key) => live.some((n) => n.address === successorOf(hashId(key), members(before)).address));
  return Promise.all(surviving.map((key) => via.node.get(key).then(
    (a) => (a.value === `value of ${key}` ? 'ok' : `wrong ${a.value}`),
    (err: ChordError) => `${key}: ${err.code}`,
  )));
}

test('a node whose every successor failed finds the next live node through its fingers and rejoins the ring', async (t) => {
  const { cluster, keys, at } = await ringWithKeys(t);
  const before = [...cluster.nodes];
  const [p, x, s3] = [at(-1), at(0), at(3)];
  await cluster.crash(at(1));
  await cluster.crash(at(2));
  for (let round = 0; round < 3; round++) await roundFrom(cluster.nodes, x);
  t.is(x.node.routing.successors[0]?.address, s3.address, 'x\'s successor is the first live node after it');
  t.is(s3.node.routing.predecessor?.address, x.address, 'and x is its predecessor');
  // x's predecessor reaches the keys past the failed nodes only through x.
  const answers = await readsOfSurvivingKeys(p, keys, before, cluster.nodes);
  t.true(answers.length > 0);
  t.deepEqual(answers.filter((a) => a !== 'ok'), []);
});

test('a node whose successors and predecessor all failed does not take itself for the only node left: it never answers KEY_NOT_FOUND for a key another node holds', async (t) => {
  const { cluster, keys, at } = await ringWithKeys(t);
  const before = [...cluster.nodes];
  const x = at(0);
  for (const i of [-1, 1, 2]) await cluster.crash(at(i));
  // x's own round finds its predecessor silent and evicts every successor; nobody has notified it yet.
  await x.node.maintenance.runRound();
  // Its own keys wait (RING_CHANGING) until its new successor grants it a read lease.
  t.deepEqual(await readsOfSurvivingKeys(x, keys, before, cluster.nodes).then((answers) => answers.filter(isWrong)), []);
  for (let round = 0; round < 2; round++) await roundFrom(cluster.nodes, x);
  t.is(x.node.routing.successors[0]?.address, at(3).address);
  t.is(x.node.routing.predecessor?.address, at(-2).address, 'the node before the failed predecessor took its place');
});

test('a node whose predecessor and successors failed, and whose other known nodes only time out (paused), does not take itself for the only node left', async (t) => {
  const cluster = await TestCluster.start(SIZE, { k: 1, transport: 'memory', config: { k: 1, successorListSize: 2, retryDeadlineMs: 2000, requestTimeoutMs: 300 } });
  t.teardown(() => cluster.teardown());
  const keys = Array.from({ length: 10 }, (_, i) => `slow ring ${i}`);
  for (const key of keys) await cluster.kv.put(cluster.nodes[0].address, key, `value of ${key}`);
  for (let round = 0; round < 4; round++) for (const node of cluster.nodes) await node.node.maintenance.runRound();
  await Promise.all(cluster.nodes.map((node) => node.node.maintenance.stop()));
  const at = ringSeenFrom(cluster.nodes);
  const x = at(0);
  for (const i of [-1, 1, 2]) await cluster.crash(at(i));
  // The rest of the ring is alive but too slow to answer within a request's deadline (a loaded machine, a paused process).
  const slow = [3, 4, 5, 6].map(at);
  for (const node of slow) cluster.pause(node);
  await x.node.maintenance.runRound();
  for (const node of slow) cluster.resume(node);
  const answers = await Promise.all(keys.map((key) => x.node.get(key).then(() => 'ok', (err: ChordError) => err.code)));
  t.false(answers.includes('KEY_NOT_FOUND'), `x took itself for the only node left: ${answers.join(' ')}`);
});

test('a node whose successors, predecessor and every finger failed finds the next live node through its routing view', async (t) => {
  const { cluster, keys } = await ringWithKeys(t);
  const before = [...cluster.nodes];
  const ring = sortClockwise(before.map((n) => ({ id: hashId(n.address), node: n })), 0n).map((r) => r.node);
  // Views travel one notify at a time: rounds until every node's view shows the whole ring.
  for (let round = 0; round < 10 && ring.some((n) => n.node.routing.view.length < SIZE - 1); round++) await roundFrom(ring, ring[0]);
  t.true(ring.every((n) => n.node.routing.view.length === SIZE - 1), 'views complete');
  // The node that keeps the most of the ring alive once its list, its predecessor and its fingers fail.
  const failedAround = (i: number) => {
    const at = (j: number) => ring[(i + j + ring.length) % ring.length];
    const fingers = ring[i].node.routing.fingers.filter((f) => f !== undefined).map((f) => f.address);
    return ring.filter((n) => [at(-1), at(1), at(2)].includes(n) || fingers.includes(n.address));
  };
  const index = ring.map((_, i) => i).reduce((best, i) => (failedAround(i).length < failedAround(best).length ? i : best), 0);
  const x = ring[index];
  const failed = failedAround(index);
  t.true(failed.length <= SIZE - 2, 'some node x knows of only through its view stays up');
  for (const node of failed) await cluster.crash(node);
  const firstLive = [...ring.slice(index + 1), ...ring.slice(0, index)].find((n) => !failed.includes(n))!;
  // x's own round evicts its successors and finds its predecessor silent; its fingers are all gone.
  await x.node.maintenance.runRound();
  t.is(x.node.routing.successors[0]?.address, firstLive.address, 'x found the first live node after it');
  const answers = await readsOfSurvivingKeys(x, keys, before, cluster.nodes);
  t.deepEqual(answers.filter(isWrong), [], 'x does not take itself for the only node left');
});

test('a linearizable ring\'s node cut off from every other (they only time out) does not continue alone, and so answers no read from its own copies', async (t) => {
  const config = { k: 1, successorListSize: 2, requestTimeoutMs: 150, failureTimeoutMs: 300, retryDeadlineMs: 300 };
  const cluster = await TestCluster.start(SIZE, { k: 1, transport: 'memory', config });
  t.teardown(() => cluster.teardown());
  for (let round = 0; round < 4; round++) for (const node of cluster.nodes) await node.node.maintenance.runRound();
  await Promise.all(cluster.nodes.map((node) => node.node.maintenance.stop()));
  const x = cluster.nodes[0];
  // Keys of other nodes, and some of x's own.
  const xOwns = (key: string) => inHalfOpen(hashId(key), x.node.routing.predecessor!.id, x.node.self.id);
  const keys = Array.from({ length: 10 }, (_, i) => `cut off ${i}`);
  for (let i = 0; keys.filter(xOwns).length < 3; i++) if (xOwns(`x's own ${i}`)) keys.push(`x's own ${i}`);
  for (const key of keys) await cluster.kv.put(x.address, key, `value of ${key}`);
  // Everyone else falls silent (a cut that drops packets, or paused processes) for longer
  // than the failure timeout: x judges each of them failed in turn.
  const others = cluster.nodes.filter((n) => n !== x);
  for (const node of others) cluster.pause(node);
  t.true(await waitFor(async () => {
    await x.node.maintenance.runRound();
    return x.node.routing.successors.length === 0 && !x.node.routing.predecessorAlive;
  }, 20_000, 0), 'x evicted every successor and counts its predecessor failed');
  await x.node.maintenance.runRound();
  t.false(x.node.routing.isAlone(), 'x does not take itself for the whole ring');
  // Other nodes' keys: x has no copy (k = 1). Alone, it would answer "not found" for them.
  // Its own: its successor may have taken them over behind the cut, so it answers none either.
  const own = (key: string) => inHalfOpen(hashId(key), x.node.routing.predecessor!.id, x.node.self.id);
  const foreign = keys.filter((key) => !own(key));
  t.true(foreign.length > 0);
  for (const key of keys) {
    const answer = await x.node.get(key).then((a) => `value ${a.value}`, (err: ChordError) => err.code);
    t.is(answer, 'RING_CHANGING', `${key} (${own(key) ? 'its own' : 'another node\'s'})`);
  }
  // The cut heals: x finds the ring again through a node it knew, and reads its keys there.
  for (const node of others) cluster.resume(node);
  t.true(await waitFor(async () => {
    for (const node of cluster.nodes) await node.node.maintenance.runRound();
    return x.node.routing.successors.length > 0;
  }, 20_000, 0), 'x has a successor again');
  const answers = await Promise.all(keys.map((key) => x.node.get(key).then((a) => a.value, (err: ChordError) => err.code)));
  t.deepEqual(answers, keys.map((key) => `value of ${key}`));
});
