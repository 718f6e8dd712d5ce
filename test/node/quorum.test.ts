/**
 * Quorum mode in process, on the in-memory network. Maintenance is stopped once the ring
 * has formed, so that a node taken off the network stays in every preference list: what
 * each test sees is the quorum's doing, not the ring repairing itself.
 */
import test from 'ava';
import { ChordError } from '../../common/errors.js';
import { hashId, replicaSet } from '../../common/ring.js';
import type { QuorumAnswer } from '../../common/wire.js';
import { testConfig, type NodeConfig } from '../../node/config.js';
import { quorumRead, quorumStore } from '../../node/rpc/quorum.js';
import { apply } from '../../node/rpc/replication.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { startNode, type RunningNode } from '../../node/start.js';
import { siblingsOf } from '../../node/versions/dotted-versions.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

async function quorumRing(t: { teardown(fn: () => Promise<void>): void }, size: number, config: Partial<NodeConfig>) {
  const cluster = await TestCluster.start(size, { k: 3, transport: 'memory', config: { consistency: 'quorum', k: 3, ...config } });
  t.teardown(() => cluster.teardown());
  for (let round = 0; round < 3; round++) for (const node of cluster.nodes) await node.node.maintenance.runRound();
  await Promise.all(cluster.nodes.map((node) => node.node.maintenance.stop()));
  const rpc = new RpcClient(cluster.network!.transport('test:1', { timeoutMs: 2000 }));
  return {
    cluster,
    /** The key's preference list, computed from SHA-1 of the addresses. */
    preference(key: string): RunningNode[] {
      const ring = cluster.nodes.map((node) => ({ id: hashId(node.address), node }));
      return replicaSet(hashId(key), ring, 3).map((m) => m.node);
    },
    /** The live values `node` holds of `key`, as it would answer a coordinator. */
    async heldBy(node: RunningNode, key: string): Promise<string[]> {
      const { item } = await rpc.call(quorumRead, node.address, { key });
      return item ? siblingsOf(item).flatMap((s) => (s.value === null ? [] : [s.value])).sort() : [];
    },
    down: (node: RunningNode) => cluster.network!.detach(node.address),
    up: (node: RunningNode) => cluster.network!.attach(node.address, node.node.rpcServer),
  };
}

const codeOf = (err: unknown) => (err instanceof ChordError ? err.code : String(err));

test('a W=2 write succeeds with one of three replicas down, and an R=2 read sees it', async (t) => {
  const ring = await quorumRing(t, 5, { r: 2, w: 2 });
  const [owner, second, third] = ring.preference('one down');
  ring.down(third);
  const written = await ring.cluster.kv.write(second.address, 'one down', 'v1');
  t.is(written.node, owner.address);
  t.like(await ring.cluster.kv.read(owner.address, 'one down'), { key: 'one down', value: 'v1' });
  t.deepEqual(await ring.heldBy(second, 'one down'), ['v1']);
});

test('R = W = N refuses reads and writes with one replica down, naming the shortfall', async (t) => {
  const ring = await quorumRing(t, 5, { r: 3, w: 3 });
  const [owner, second] = ring.preference('all three');
  await ring.cluster.kv.write(owner.address, 'all three', 'before');
  ring.down(second);
  const read = await t.throwsAsync(ring.cluster.kv.read(owner.address, 'all three'));
  t.is(codeOf(read), 'QUORUM_NOT_MET');
  t.is((read as ChordError).status, 503);
  t.like((read as ChordError).details, { needed: 3, answered: 2 });
  const write = await t.throwsAsync(ring.cluster.kv.write(owner.address, 'all three', 'after', { context: (await readContext(ring, owner)) }));
  t.is(codeOf(write), 'QUORUM_NOT_MET');
  t.like((write as ChordError).details, { needed: 3, answered: 2 });
});

/** A context that covers the first write, read while every replica was up: a write with it needs no read. */
async function readContext(ring: Awaited<ReturnType<typeof quorumRing>>, owner: RunningNode): Promise<string> {
  const { item } = await new RpcClient(ring.cluster.network!.transport('test:2', { timeoutMs: 2000 })).call(quorumRead, owner.address, { key: 'all three' });
  const { encodeContext, contextOf } = await import('../../node/versions/dotted.js');
  return encodeContext(contextOf(siblingsOf(item!)));
}

test('sloppy quorum: with two of three replicas down a W=2 write succeeds through a stand-in, which hands it over when they return', async (t) => {
  const ring = await quorumRing(t, 6, { r: 2, w: 2, sloppy: true });
  const [owner, second, third] = ring.preference('sloppy');
  ring.down(second);
  ring.down(third);
  await ring.cluster.kv.write(owner.address, 'sloppy', 'kept by a stand-in');
  const standIns = ring.cluster.nodes.filter((n) => ![owner, second, third].includes(n));
  const hintsAt = async () => (await Promise.all(standIns.map(async (n) => (await n.node.status()).quorum!.hints))).reduce((a, b) => a + b, 0);
  t.is(await hintsAt(), 2, 'one hint for each replica that was down');
  // While they are down, a read finds the write at the stand-ins.
  t.like(await ring.cluster.kv.read(owner.address, 'sloppy'), { value: 'kept by a stand-in' });
  ring.up(second);
  ring.up(third);
  t.true(await waitFor(async () => (await hintsAt()) === 0, 10_000), 'hints handed over and dropped');
  t.deepEqual(await ring.heldBy(second, 'sloppy'), ['kept by a stand-in']);
  t.deepEqual(await ring.heldBy(third, 'sloppy'), ['kept by a stand-in']);
});

test('without sloppy quorum, a W=2 write with two of three replicas down fails', async (t) => {
  const ring = await quorumRing(t, 6, { r: 2, w: 2 });
  const [owner, second, third] = ring.preference('strict');
  ring.down(second);
  ring.down(third);
  const err = await t.throwsAsync(ring.cluster.kv.write(owner.address, 'strict', 'x', { context: 'e30' }));
  t.is(codeOf(err), 'QUORUM_NOT_MET');
  t.like((err as ChordError).details, { needed: 2, answered: 1 });
});

test('writes racing with the same context become siblings; a write with the context of the read that showed them resolves them', async (t) => {
  const ring = await quorumRing(t, 5, { r: 2, w: 2 });
  const { kv } = ring.cluster;
  const [a, b, c] = ring.cluster.nodes;
  const first = await kv.write(a.address, 'race', 'v1');
  const context = (first as { context: string }).context;
  await Promise.all([kv.write(b.address, 'race', 'from b', { context }), kv.write(c.address, 'race', 'from c', { context })]);
  const both = await kv.read(a.address, 'race');
  // Ordered by dot: the racing writes' order at their coordinator decides which comes first.
  t.deepEqual('siblings' in both ? [...both.siblings!].sort() : both, ['from b', 'from c']);
  await kv.write(b.address, 'race', 'merged', { context: (both as { context: string }).context });
  const resolved = await kv.read(c.address, 'race');
  t.is('value' in resolved ? resolved.value : undefined, 'merged');
  t.false('siblings' in resolved);
});

test('sequential writes without a context, through any nodes, never make siblings', async (t) => {
  const ring = await quorumRing(t, 5, { r: 2, w: 2 });
  for (let i = 0; i < 20; i++) await ring.cluster.kv.write(ring.cluster.nodes[i % 5].address, 'sequential', `v${i}`);
  const last = await ring.cluster.kv.read(ring.cluster.nodes[2].address, 'sequential');
  t.like(last, { value: 'v19' });
  t.false('siblings' in last);
  for (const node of ring.preference('sequential')) t.deepEqual(await ring.heldBy(node, 'sequential'), ['v19']);
});

test('read repair: a replica that missed a write gets the newest version after a read', async (t) => {
  const ring = await quorumRing(t, 5, { r: 2, w: 2 });
  const [owner, , third] = ring.preference('repair');
  await ring.cluster.kv.write(owner.address, 'repair', 'old');
  ring.down(third);
  await ring.cluster.kv.write(owner.address, 'repair', 'new');
  ring.up(third);
  t.deepEqual(await ring.heldBy(third, 'repair'), ['old'], 'the third replica missed the second write');
  t.like(await ring.cluster.kv.read(owner.address, 'repair'), { value: 'new' });
  t.true(await waitFor(async () => (await ring.heldBy(third, 'repair')).join() === 'new', 5000), 'repaired in the background');
});

test('a delete is a tombstone: reads find nothing, and a later write brings the key back', async (t) => {
  const ring = await quorumRing(t, 4, {});
  const { kv } = ring.cluster;
  await kv.write(ring.cluster.nodes[0].address, 'gone', 'here');
  await kv.delete(ring.cluster.nodes[1].address, 'gone');
  t.is(codeOf(await t.throwsAsync(kv.read(ring.cluster.nodes[2].address, 'gone'))), 'KEY_NOT_FOUND');
  t.is(codeOf(await t.throwsAsync(kv.delete(ring.cluster.nodes[2].address, 'gone'))), 'KEY_NOT_FOUND');
  await kv.write(ring.cluster.nodes[3].address, 'gone', 'back');
  t.like(await kv.read(ring.cluster.nodes[0].address, 'gone'), { value: 'back' });
});

test('quorum rings refuse compare-and-set, times to live, and a context they did not give out', async (t) => {
  const ring = await quorumRing(t, 3, {});
  const { kv } = ring.cluster;
  const via = ring.cluster.nodes[0].address;
  t.is(codeOf(await t.throwsAsync(kv.write(via, 'x', 'v', { ifAbsent: true }))), 'CONDITIONAL_WRITE_UNSUPPORTED');
  t.is(codeOf(await t.throwsAsync(kv.write(via, 'x', 'v', { ttlMs: 1000 }))), 'TTL_UNSUPPORTED');
  t.is(codeOf(await t.throwsAsync(kv.write(via, 'x', 'v', { context: 'bm90LWEtY2xvY2s' }))), 'INVALID_CONTEXT');
  t.is(codeOf(await t.throwsAsync(kv.write(via, 'x', 'v', { context: 'not base64!' }))), 'INVALID_CONTEXT');
  t.is(codeOf(await t.throwsAsync(kv.read(via, 'x'))), 'KEY_NOT_FOUND', 'nothing was written');
});

test('joins, a depart and a crash keep every key on its N nodes with one value', async (t) => {
  const cluster = await TestCluster.start(4, { k: 3, transport: 'memory', config: { consistency: 'quorum', k: 3, r: 2, w: 2 } });
  t.teardown(() => cluster.teardown());
  const expected = new Map<string, string>();
  for (let i = 0; i < 40; i++) {
    await cluster.kv.write(cluster.nodes[i % 4].address, `placed ${i}`, `v${i}`);
    expected.set(`placed ${i}`, `v${i}`);
  }
  await cluster.join();
  await cluster.join();
  await cluster.depart(cluster.nodes[1]);
  await cluster.crash(cluster.nodes[2]);
  let problems: string[] = [];
  await waitFor(async () => (problems = await cluster.placementProblems(expected, 3).catch((err: Error) => [err.message])).length === 0, 20_000, 200);
  t.deepEqual(problems, []);
  for (const [key, value] of expected) t.like(await cluster.kv.read(cluster.random().address, key), { value }, key);
});

test('a write that would leave more than 64 siblings is refused until a context resolves them', async (t) => {
  const ring = await quorumRing(t, 3, {});
  const { kv } = ring.cluster;
  const via = ring.cluster.nodes[0].address;
  const { context } = await kv.write(via, 'hot', 'first') as { context: string };
  for (let i = 0; i < 64; i++) await kv.write(via, 'hot', `stale ${i}`, { context });
  const err = await t.throwsAsync(kv.write(via, 'hot', 'one too many', { context }));
  t.is(codeOf(err), 'TOO_MANY_SIBLINGS');
  const all = await kv.read(via, 'hot') as QuorumAnswer;
  t.is(all.siblings?.length, 64);
  await kv.write(via, 'hot', 'resolved', { context: all.context });
  t.like(await kv.read(via, 'hot'), { value: 'resolved' });
});

test('a pair with another mode\'s version is refused by a quorum store and skipped by a transfer: the key stays readable', async (t) => {
  const ring = await quorumRing(t, 3, {});
  const { kv } = ring.cluster;
  const [owner] = ring.preference('mixed');
  await kv.write(owner.address, 'mixed', 'dotted');
  const rpc = new RpcClient(ring.cluster.network!.transport('test:3', { timeoutMs: 2000 }));
  const counterItem = { key: 'mixed', value: 'from a linearizable data dir', version: 7 };
  t.is(codeOf(await t.throwsAsync(rpc.call(quorumStore, owner.address, { item: counterItem }))), 'INVALID_REQUEST');
  t.deepEqual(await rpc.call(apply, owner.address, { items: [counterItem] }), { applied: 0 });
  t.like(await kv.read(owner.address, 'mixed'), { value: 'dotted' });
});

test('a joiner keeps as many successors as the ring\'s settings need (sloppy quorum: 2k), whatever its own flags', async (t) => {
  const cluster = await TestCluster.start(2, { k: 6, transport: 'memory', config: { consistency: 'quorum', k: 6, sloppy: true } });
  t.teardown(() => cluster.teardown());
  const joiner = await startNode(testConfig({ contact: cluster.addresses[0] }), { network: cluster.network });
  t.teardown(() => joiner.stop());
  t.is(joiner.node.routing.successorListSize, 12);
  t.like(joiner.node.settings, { mode: 'quorum', k: 6, sloppy: true });
});
