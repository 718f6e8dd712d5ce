/** GET /watch/:key: every acknowledged change of a key, in order, also while its owner departs. */
import test from 'ava';
import { hashId, successorOf } from '../../common/ring.js';
import type { Consistency, WatchEvent } from '../../common/wire.js';
import { watch as watchCall } from '../../node/rpc/replication.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { DottedVersions } from '../../node/versions/dotted-versions.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';
import { ChordkvProcess, ensureBuilt } from '../helpers/processes.js';

/** A watch over HTTP: the events received so far, and a way to stop it. */
function watch(address: string, key: string, path = `/watch/${encodeURIComponent(key)}`) {
  const events: WatchEvent[] = [];
  const errors: string[] = [];
  let live = false;
  const abort = new AbortController();
  const done = (async () => {
    const response = await fetch(`http://${address}${path}`, { signal: abort.signal });
    if (response.status !== 200) throw new Error(`watch answered ${response.status}: ${await response.text()}`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(': watching')) live = true;
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type === 'change' && data) events.push(JSON.parse(data) as WatchEvent);
        if (type === 'error' && data) errors.push(data);
      }
    }
  })().catch((err: Error) => { if (err.name !== 'AbortError') errors.push(err.message); });
  return { events, errors, isLive: () => live, stop: async () => { abort.abort(); await done; } };
}

/** Whether each event's version is later than the one before, as the ring's version policy orders them. */
function inOrder(events: readonly WatchEvent[], consistency: Consistency): boolean {
  const later = (a: WatchEvent['version'], b: WatchEvent['version']) => (consistency === 'quorum'
    ? new DottedVersions('watcher').later(a, b)
    : (a as number) > (b as number));
  return events.every((e, i) => i === 0 || later(e.version, events[i - 1].version));
}

for (const consistency of ['linearizable', 'eventual', 'quorum'] as Consistency[]) {
  test(`${consistency}: a watcher sees every write of a key in order, across a depart of the key's owner`, async (t) => {
    const cluster = await TestCluster.start(4, { k: 2, consistency, config: { consistency, k: 2 } });
    t.teardown(() => cluster.teardown());
    const key = 'watched';
    const owner = () => successorOf(hashId(key), cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }))).address;
    await cluster.kv.put(cluster.nodes[0].address, key, 'before the watch');
    const entry = cluster.nodes.find((n) => n.address !== owner())!;
    const watcher = watch(entry.address, key);
    t.teardown(() => watcher.stop());
    t.true(await waitFor(() => watcher.isLive(), 5000), 'the stream never went live');
    const writer = cluster.nodes.find((n) => n.address !== owner() && n !== entry)!;
    for (let i = 0; i < 5; i++) await cluster.kv.put(writer.address, key, `v${i}`);
    await cluster.depart(cluster.nodes.find((n) => n.address === owner())!);
    for (let i = 5; i < 10; i++) await cluster.kv.put(writer.address, key, `v${i}`);
    await cluster.kv.delete(writer.address, key);
    const complete = await waitFor(() => watcher.events.length >= 11 || watcher.errors.length > 0, 10_000);
    t.true(complete, `events: ${JSON.stringify(watcher.events)}`);
    t.deepEqual(watcher.errors, []);
    t.deepEqual(watcher.events.map((e) => (e.deleted ? 'deleted' : e.value)), [...Array.from({ length: 10 }, (_, i) => `v${i}`), 'deleted']);
    t.true(inOrder(watcher.events, consistency), 'versions out of order');
    t.false(watcher.events.some((e) => e.value === 'before the watch'), 'a change from before the watch was streamed');
  });
}

test('a prefix watch sees every change of the keys under it, across the ring and a join, and nothing else', async (t) => {
  const cluster = await TestCluster.start(4, { k: 2 });
  t.teardown(() => cluster.teardown());
  await cluster.kv.put(cluster.nodes[0].address, 'pw:old', 'before the watch');
  const watcher = watch(cluster.nodes[0].address, '', `/watch?prefix=${encodeURIComponent('pw:')}`);
  t.teardown(() => watcher.stop());
  t.true(await waitFor(() => watcher.isLive(), 5000), 'the stream never went live');
  const want: string[] = [];
  for (let i = 0; i < 10; i++) {
    await cluster.kv.put(cluster.nodes[i % 4].address, `pw:${i}`, `a${i}`);
    await cluster.kv.put(cluster.nodes[i % 4].address, `other:${i}`, 'x');
    want.push(`pw:${i}=a${i}`);
  }
  await cluster.join();
  for (let i = 0; i < 10; i++) {
    await cluster.kv.put(cluster.nodes[(i + 1) % 5].address, `pw:${i}`, `b${i}`);
    want.push(`pw:${i}=b${i}`);
  }
  await cluster.kv.delete(cluster.nodes[4].address, 'pw:3');
  want.push('pw:3=deleted');
  const complete = await waitFor(() => watcher.events.length >= want.length || watcher.errors.length > 0, 10_000);
  const seen = watcher.events.map((e) => `${e.key}=${e.deleted ? 'deleted' : e.value}`);
  t.true(complete, `seen: ${seen.join(' ')}`);
  t.deepEqual(watcher.errors, []);
  t.deepEqual([...seen].sort(), [...want].sort());
  for (let i = 0; i < 10; i++) {
    const order = seen.filter((s) => s.startsWith(`pw:${i}=`));
    t.deepEqual(order, want.filter((s) => s.startsWith(`pw:${i}=`)), `pw:${i} out of order`);
  }
});

test('chordkv watch prints each change as a JSON line once it says it is watching', async (t) => {
  ensureBuilt();
  const cluster = await TestCluster.start(2, { k: 2 });
  t.teardown(() => cluster.teardown());
  const address = cluster.nodes[1].address;
  const watcher = new ChordkvProcess(['watch', 'cli watched', '--json', '--node', address]);
  t.teardown(() => watcher.kill());
  await watcher.waitForLine(/^watching /, 10_000, 'stderr');
  await cluster.kv.put(cluster.nodes[0].address, 'cli watched', 'one');
  await cluster.kv.delete(cluster.nodes[0].address, 'cli watched');
  t.true(await waitFor(() => watcher.stdout.trim().split('\n').length >= 2, 5000), watcher.stdout);
  const [first, second] = watcher.stdout.trim().split('\n').map((line) => JSON.parse(line) as WatchEvent);
  t.like(first, { key: 'cli watched', value: 'one', deleted: false });
  t.like(second, { key: 'cli watched', deleted: true });

  const byPrefix = new ChordkvProcess(['watch', '--prefix', 'cli ', '--json', '--node', address]);
  t.teardown(() => byPrefix.kill());
  await byPrefix.waitForLine(/^watching every key/, 10_000, 'stderr');
  await cluster.kv.put(cluster.nodes[0].address, 'cli prefixed', 'two');
  t.true(await waitFor(() => byPrefix.stdout.includes('cli prefixed'), 5000), byPrefix.stdout);
});

test('a watch on a bad key is refused; one on a key never written streams its first write', async (t) => {
  const cluster = await TestCluster.start(2, { k: 1 });
  t.teardown(() => cluster.teardown());
  const address = cluster.nodes[0].address;
  t.is((await fetch(`http://${address}/watch/%E0%A4%A`)).status, 400);
  const watcher = watch(address, 'fresh');
  t.teardown(() => watcher.stop());
  t.true(await waitFor(() => watcher.isLive(), 5000), 'the stream never went live');
  await cluster.kv.put(cluster.nodes[1].address, 'fresh', 'first');
  t.true(await waitFor(() => watcher.events.length === 1, 5000));
  t.like(watcher.events[0], { key: 'fresh', value: 'first', deleted: false });
});

// The owner's catch-up answer (the key as it is now, when its feed holds no newer change) used
// to be its store's pair. At a chain's head that may be a write not yet acknowledged, one that
// can still be lost: here its trip down the chain cannot start, and the watcher was told of it.
test('a watch poll at a head whose feed has no newer change does not report a write that is not acknowledged', async (t) => {
  const cluster = await TestCluster.start(3, { k: 3, transport: 'memory', store: () => new MemoryStore() });
  t.teardown(() => cluster.teardown());
  const key = 'watched while cut off';
  const acknowledged = await cluster.kv.put(cluster.nodes[0].address, key, 'acknowledged');
  const members = cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }));
  const head = cluster.nodes.find((n) => n.address === successorOf(hashId(key), members).address)!;
  for (const other of cluster.nodes) if (other !== head) cluster.partition(head, other);
  const rpc = new RpcClient(cluster.network!.transport('127.0.0.1:1', { timeoutMs: 5000 }));
  const pending = cluster.kv.put(head.address, key, 'not acknowledged').catch(() => undefined);
  t.teardown(() => pending);
  t.truthy(await waitFor(async () => (await cluster.storeOf(head).get(key))?.value === 'not acknowledged', 5000, 20), 'the head applied the write');
  const seen = await rpc.call(watchCall, head.address, { key, after: acknowledged.version, waitMs: 0 }).then(
    (answer) => answer.events.map((e) => e.value),
    (err: { code?: string }) => [err.code ?? 'error'],
  );
  t.false(seen.includes('not acknowledged'), `the poll said: ${JSON.stringify(seen)}`);
  cluster.heal();
});
