/**
 * One compliance suite for every Store, so that the in-memory store the tests lean on
 * and the LevelDB store real nodes run on cannot drift apart. LevelStore also gets
 * what only a disk store has: reopening, ownership of the dir, locking.
 */
import test, { type ExecutionContext } from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChordError } from '../../common/errors.js';
import { distance, hashId, inHalfOpen } from '../../common/ring.js';
import type { Item } from '../../common/wire.js';
import { ClassicLevel } from 'classic-level';
import { LevelStore } from '../../node/storage/level-store.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { ExpiryIndexedStore } from '../../node/storage/expiry-index.js';
import { FilePeerBook } from '../../node/storage/peer-book.js';
import type { Store } from '../../node/storage/store.js';

const ADDRESS = '127.0.0.1:7001';

/** A fresh temp dir, removed when the test ends (after the stores opened in it are closed). */
async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chordkv-store-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Opens a LevelStore and closes it at teardown; teardowns run in reverse, so before the dir is removed. */
async function openLevel(t: ExecutionContext, dir: string, address = ADDRESS): Promise<LevelStore> {
  const store = await LevelStore.open(dir, address, { sync: false });
  t.teardown(() => store.close().catch(() => undefined));
  return store;
}

type Factory = (t: ExecutionContext) => Promise<Store>;

const put = (store: Store, key: string, item: Item) => store.update(key, () => item);
const byKey = <T extends { key: string }>(list: T[]) => [...list].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

function complianceSuite(name: string, create: Factory): void {
  test(`${name}: get of a missing key is undefined`, async (t) => {
    const store = await create(t);
    t.is(await store.get('nothing here'), undefined);
  });

  test(`${name}: update creates, then replaces, and reports whether it wrote`, async (t) => {
    const store = await create(t);
    const seen: (Item | undefined)[] = [];
    t.true(await store.update('song', (current) => { seen.push(current); return { value: 'one', version: 1 }; }));
    t.deepEqual(await store.get('song'), { value: 'one', version: 1 });
    t.true(await store.update('song', (current) => { seen.push(current); return { value: 'two', version: 2 }; }));
    t.deepEqual(await store.get('song'), { value: 'two', version: 2 });
    t.deepEqual(seen, [undefined, { value: 'one', version: 1 }]);
  });

  test(`${name}: a change returning undefined leaves the key alone (present or absent)`, async (t) => {
    const store = await create(t);
    await put(store, 'kept', { value: 'v', version: 3 });
    t.false(await store.update('kept', () => undefined));
    t.false(await store.update('absent', () => undefined));
    t.deepEqual(await store.get('kept'), { value: 'v', version: 3 });
    t.is(await store.get('absent'), undefined);
    t.deepEqual((await store.entries()).map((e) => e.key), ['kept']);
  });

  test(`${name}: a change that throws propagates and changes nothing, and the key stays usable`, async (t) => {
    const store = await create(t);
    await put(store, 'k', { value: 'before', version: 1 });
    await t.throwsAsync(store.update('k', () => { throw new Error('refused'); }), { message: 'refused' });
    await t.throwsAsync(store.update('fresh', () => { throw new Error('refused too'); }), { message: 'refused too' });
    t.deepEqual(await store.get('k'), { value: 'before', version: 1 });
    t.is(await store.get('fresh'), undefined);
    t.true(await store.update('k', (current) => ({ value: 'after', version: (current!.version as number) + 1 })));
    t.deepEqual(await store.get('k'), { value: 'after', version: 2 });
  });

  test(`${name}: 100 concurrent read-modify-write updates of one key all count`, async (t) => {
    const store = await create(t);
    const increment = (current: Item | undefined): Item => ({
      value: String(Number(current?.value ?? '0') + 1), version: ((current?.version as number | undefined) ?? 0) + 1,
    });
    // Another key updated alongside must neither block nor be disturbed.
    const results = await Promise.all([
      ...Array.from({ length: 100 }, () => store.update('counter', increment)),
      ...Array.from({ length: 20 }, () => store.update('other', increment)),
    ]);
    t.true(results.every(Boolean));
    t.deepEqual(await store.get('counter'), { value: '100', version: 100 });
    t.deepEqual(await store.get('other'), { value: '20', version: 20 });
  });

  test(`${name}: concurrent updates where some throw lose none of the others`, async (t) => {
    const store = await create(t);
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => store.update('mixed', (current) => {
      if (i % 3 === 0) throw new Error(`no ${i}`);
      return { value: `${i}`, version: ((current?.version as number | undefined) ?? 0) + 1 };
    })));
    t.is(results.filter((r) => r.status === 'rejected').length, 10);
    t.is((await store.get('mixed'))?.version, 20);
  });

  test(`${name}: a tombstone (value null) is kept, read back, and listed by entries`, async (t) => {
    const store = await create(t);
    await put(store, 'gone', { value: 'alive', version: 1 });
    await put(store, 'gone', { value: null, version: 2 });
    await put(store, 'never alive', { value: null, version: 7 });
    t.deepEqual(await store.get('gone'), { value: null, version: 2 });
    t.deepEqual(byKey(await store.entries()), [
      { key: 'gone', value: null, version: 2 },
      { key: 'never alive', value: null, version: 7 },
    ]);
  });

  test(`${name}: remove erases a key (tombstone or not) and tolerates a missing one`, async (t) => {
    const store = await create(t);
    await put(store, 'a', { value: 'x', version: 1 });
    await put(store, 'b', { value: null, version: 4 });
    await put(store, 'c', { value: 'y', version: 2 });
    await store.remove('a');
    await store.remove('b');
    await store.remove('not there');
    t.is(await store.get('a'), undefined);
    t.is(await store.get('b'), undefined);
    t.deepEqual(await store.entries(), [{ key: 'c', value: 'y', version: 2 }]);
    t.true(await store.update('a', (current) => (current ? undefined : { value: 'again', version: 1 })), 'remove left a trace');
  });

  test(`${name}: entries lists every key exactly as stored, odd characters included`, async (t) => {
    const store = await create(t);
    const keys = ['plain', 'with space', 'ünïcødé ✓', '!items!looks like a prefix', 'a/b?c=d&e', '*', '🎵'.repeat(200), 'x'.repeat(1024)];
    const big = 'v'.repeat(1024 * 1024);
    for (const [i, key] of keys.entries()) await put(store, key, { value: i === 0 ? big : `v${i}`, version: i + 1 });
    const listed = byKey(await store.entries());
    t.deepEqual(listed.map((e) => e.key), byKey(keys.map((key) => ({ key }))).map((e) => e.key));
    for (const [i, key] of keys.entries()) {
      t.deepEqual(await store.get(key), { value: i === 0 ? big : `v${i}`, version: i + 1 }, key.slice(0, 20));
    }
  });

  // Ring intervals by table, against the ids of 200 keys computed here; each row is (from, to].
  const scanKeys = Array.from({ length: 200 }, (_, i) => `scan ${i}`);
  const ids = scanKeys.map(hashId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const scans: [title: string, from: bigint, to: bigint][] = [
    ['an interval inside the ring', ids[20], ids[120]],
    ['an interval that starts just before a key', ids[20] - 1n, ids[120]],
    ['an interval that wraps past zero', ids[150], ids[30]],
    ['an interval ending at the top of the ring', ids[150], (1n << 160n) - 1n],
    ['an interval starting at zero', 0n, ids[10]],
    ['the whole ring (from = to)', ids[77], ids[77]],
    ['an empty stretch between two neighbouring keys', ids[5], ids[6] - 1n],
  ];
  for (const [title, from, to] of scans) {
    test(`${name}: scan returns exactly the pairs of ${title}, clockwise from its start`, async (t) => {
      const store = await create(t);
      for (const [i, key] of scanKeys.entries()) await put(store, key, { value: i % 7 === 0 ? null : `v${i}`, version: i + 1 });
      const want = scanKeys.filter((key) => inHalfOpen(hashId(key), from, to))
        // Clockwise from just after `from`: a key at `from` itself comes last.
        .sort((a, b) => { const da = distance(from + 1n, hashId(a)); const db = distance(from + 1n, hashId(b)); return da < db ? -1 : da > db ? 1 : 0; });
      const got = await store.scan(from, to);
      t.deepEqual(got.map((item) => item.key), want);
      for (const item of got) t.deepEqual({ value: item.value, version: item.version }, await store.get(item.key));
    });
  }

  test(`${name}: remove with a condition removes only an item it accepts, and says whether it did`, async (t) => {
    const store = await create(t);
    await put(store, 'kept', { value: 'v', version: 2 });
    t.false(await store.remove('kept', (current) => current.version === 1));
    t.deepEqual(await store.get('kept'), { value: 'v', version: 2 });
    t.true(await store.remove('kept', (current) => current.version === 2));
    t.is(await store.get('kept'), undefined);
    t.false(await store.remove('never there'));
    t.deepEqual(await store.scan(0n, 0n), []);
  });

  test(`${name}: scan follows keys that come and go`, async (t) => {
    const store = await create(t);
    await put(store, 'a', { value: '1', version: 1 });
    t.deepEqual((await store.scan(0n, 0n)).map((i) => i.key), ['a']);
    await put(store, 'b', { value: '2', version: 1 });
    await put(store, 'a', { value: '3', version: 2 });
    await store.remove('b');
    t.deepEqual(await store.scan(0n, 0n), [{ key: 'a', value: '3', version: 2 }]);
  });
}

complianceSuite('MemoryStore', () => Promise.resolve(new MemoryStore()));
complianceSuite('LevelStore', async (t) => openLevel(t, await tempDir(t)));

// ---- what only a store on disk must do ----

const codeOf = (err: unknown) => (err as ChordError).code;

test('LevelStore: pairs and tombstones survive close and reopen', async (t) => {
  const dir = await tempDir(t);
  const first = await LevelStore.open(dir, ADDRESS, { sync: true });
  await put(first, 'kept', { value: 'value', version: 5 });
  await put(first, 'deleted', { value: null, version: 9 });
  await put(first, 'removed', { value: 'x', version: 1 });
  await first.remove('removed');
  await first.close();

  const second = await openLevel(t, dir);
  t.deepEqual(byKey(await second.entries()), [
    { key: 'deleted', value: null, version: 9 },
    { key: 'kept', value: 'value', version: 5 },
  ]);
});

test('LevelStore: operations on a closed store fail as NOT_READY (the node is stopping), not as internal errors', async (t) => {
  const store = await LevelStore.open(await tempDir(t), ADDRESS, { sync: false });
  await put(store, 'k', { value: 'v', version: 1 });
  const inFlight = put(store, 'racing', { value: 'v', version: 1 }).then(() => 'done', (err) => codeOf(err));
  await store.close();
  t.true(['done', 'NOT_READY'].includes(await inFlight));
  for (const operation of [() => store.get('k'), () => put(store, 'k', { value: 'w', version: 2 }), () => store.remove('k'), () => store.entries(), () => store.scan(0n, 0n)]) {
    const err = await t.throwsAsync(operation());
    t.is(codeOf(err), 'NOT_READY');
  }
});

test('the expiry index does not bring back an expiry that a write cleared while it was loading', async (t) => {
  /** A store whose listing is read at once but delivered only when `release` is called, as a disk is slow. */
  class SlowListing extends MemoryStore {
    release!: () => void;
    private readonly gate = new Promise<void>((resolve) => { this.release = resolve; });
    async entries() {
      const listed = await super.entries();
      await this.gate;
      return listed;
    }
  }
  const inner = new SlowListing();
  await put(inner, 'k', { value: 'v', version: 1, expiresAt: 1000 });
  const index = new ExpiryIndexedStore(inner);
  const due = index.due(5000); // starts loading the index from the store
  await put(index, 'k', { value: 'forever', version: 2 });
  inner.release();
  t.deepEqual(await due, []);
  t.deepEqual(await index.due(5000), []);
});

test('LevelStore: remembered peers in a data dir from before the peer book move to peers.json', async (t) => {
  const dir = await tempDir(t);
  const old = new ClassicLevel<string, unknown>(dir, { valueEncoding: 'json' });
  const meta = old.sublevel<string, unknown>('meta', { valueEncoding: 'json' });
  await meta.put('address', ADDRESS);
  await meta.put('peers', ['127.0.0.1:7002', '127.0.0.1:7003']);
  await old.close();
  await openLevel(t, dir);
  t.deepEqual(await new FilePeerBook(dir).read(), ['127.0.0.1:7002', '127.0.0.1:7003']);
});

test('LevelStore: a data dir from before pairs were laid out by ring id is moved over on open', async (t) => {
  const dir = await tempDir(t);
  const old = new ClassicLevel<string, unknown>(dir, { valueEncoding: 'json' });
  await old.sublevel<string, unknown>('meta', { valueEncoding: 'json' }).put('address', ADDRESS);
  const items = old.sublevel<string, unknown>('items', { valueEncoding: 'json' });
  await items.put('kept', { value: 'value', version: 5 });
  await items.put('deleted', { value: null, version: 9 });
  await old.close();

  const store = await openLevel(t, dir);
  t.deepEqual(await store.get('kept'), { value: 'value', version: 5 });
  t.deepEqual(byKey(await store.scan(0n, 0n)), [
    { key: 'deleted', value: null, version: 9 },
    { key: 'kept', value: 'value', version: 5 },
  ]);
});

test('LevelStore: reopening with another address fails with DATA_DIR_MISMATCH and leaves the dir usable', async (t) => {
  const dir = await tempDir(t);
  const first = await LevelStore.open(dir, ADDRESS, { sync: false });
  await put(first, 'k', { value: 'v', version: 1 });
  await first.close();
  const err = await t.throwsAsync(LevelStore.open(dir, '127.0.0.1:7999', { sync: false }));
  t.is(codeOf(err), 'DATA_DIR_MISMATCH');
  t.true(err.message.includes(ADDRESS) && err.message.includes('127.0.0.1:7999'), err.message);
  // The failed open must not have claimed the dir or kept it locked.
  const again = await openLevel(t, dir);
  t.deepEqual(await again.get('k'), { value: 'v', version: 1 });
});

test('LevelStore: a second open of a dir that is open fails with DATA_DIR_LOCKED', async (t) => {
  const dir = await tempDir(t);
  const first = await openLevel(t, dir);
  await put(first, 'k', { value: 'v', version: 1 });
  const err = await t.throwsAsync(LevelStore.open(dir, ADDRESS, { sync: false }));
  t.is(codeOf(err), 'DATA_DIR_LOCKED');
  t.true(err.message.includes(dir), err.message);
  t.deepEqual(await first.get('k'), { value: 'v', version: 1 }, 'the failed open disturbed the open store');
});

test('LevelStore: a dir that cannot be created fails with DATA_DIR_UNUSABLE', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'a-regular-file');
  await writeFile(file, 'not a directory');
  for (const location of [join(file, 'data'), file]) {
    const err = await t.throwsAsync(LevelStore.open(location, ADDRESS, { sync: false }));
    t.is(codeOf(err), 'DATA_DIR_UNUSABLE', location);
    t.true(err.message.includes(location), err.message);
  }
});

test('LevelStore: with sync on, writes are readable after reopen like without it', async (t) => {
  const dir = await tempDir(t);
  const first = await LevelStore.open(dir, ADDRESS, { sync: true });
  await Promise.all(Array.from({ length: 20 }, (_, i) => put(first, `k${i}`, { value: `v${i}`, version: 1 })));
  await first.close();
  const second = await openLevel(t, dir);
  t.is((await second.entries()).length, 20);
});

test('LevelStore: writes made together go to disk as one batch (group commit), each durable when it resolves, and deletes too', async (t) => {
  const dir = await tempDir(t);
  const store = await LevelStore.open(dir, ADDRESS, { sync: true });
  const before = store.commits.commits;
  await Promise.all(Array.from({ length: 200 }, (_, i) => put(store, `group ${i}`, { value: `v${i}`, version: i + 1 })));
  const batches = store.commits.commits - before;
  t.true(batches <= 2, `${batches} batches for 200 writes made in one tick`);
  await Promise.all(Array.from({ length: 100 }, (_, i) => store.remove(`group ${i}`)));
  await store.close();
  const reopened = await openLevel(t, dir);
  const held = await reopened.entries();
  t.is(held.length, 100);
  t.deepEqual(held.map((e) => e.key).sort(), Array.from({ length: 100 }, (_, i) => `group ${i + 100}`).sort());
});

test('LevelStore.openMany: a process\'s ids share one database and its batches, and keep their pairs and hints apart', async (t) => {
  const dir = await tempDir(t);
  const [a, b] = await LevelStore.openMany(dir, ADDRESS, 2, { sync: true });
  t.is(a.commits, b.commits, 'one group commit');
  const before = a.commits.commits;
  await Promise.all(Array.from({ length: 100 }, (_, i) => [put(a, `a ${i}`, { value: 'a', version: 1 }), put(b, `b ${i}`, { value: 'b', version: 1 })]).flat());
  const batches = a.commits.commits - before;
  t.true(batches <= 2, `${batches} batches (fsyncs) for 200 writes of two ids made in one tick`);
  await Promise.all(Array.from({ length: 100 }, (_, i) => [a.remove(`a ${i}`), b.remove(`b ${i}`)]).flat());
  await Promise.all([put(a, 'only a', { value: 'a', version: 1 }), put(b, 'only b', { value: 'b', version: 1 })]);
  const hints = await b.hintBook();
  await hints.add('127.0.0.1:9#1', { key: 'hinted', value: 'h', version: 1 }, (incoming) => incoming);
  t.deepEqual((await a.entries()).map((e) => e.key), ['only a']);
  t.deepEqual((await b.entries()).map((e) => e.key), ['only b']);
  await t.throwsAsync(LevelStore.openMany(dir, ADDRESS, 2, { sync: false }), { message: /in use/ });
  await a.close();
  await b.close();
  const [a2, b2] = await LevelStore.openMany(dir, ADDRESS, 2, { sync: false });
  t.teardown(() => Promise.all([a2.close(), b2.close()]));
  t.deepEqual((await a2.entries()).map((e) => e.key), ['only a']);
  t.deepEqual((await b2.entries()).map((e) => e.key), ['only b']);
  t.is((await b2.hintBook()).size(), 1, 'hints reopened with their id');
  t.is((await a2.hintBook()).size(), 0);
});

test('LevelStore.openMany moves in the LevelDB each id had of its own before, and deletes it', async (t) => {
  const dir = await tempDir(t);
  const old = await LevelStore.open(join(dir, 'vnode-1'), `${ADDRESS}#1`, { sync: false });
  await put(old, 'from before', { value: 'kept', version: 3 });
  await old.close();
  const [a, b] = await LevelStore.openMany(dir, ADDRESS, 2, { sync: false });
  t.teardown(() => Promise.all([a.close(), b.close()]));
  t.deepEqual(await b.entries(), [{ key: 'from before', value: 'kept', version: 3 }]);
  t.deepEqual(await a.entries(), []);
  t.false(existsSync(join(dir, 'vnode-1')), 'the old database is gone');
});

test('LevelStore: a dir written for one number of ring ids is refused for another, both ways, and left as it was', async (t) => {
  const many = await tempDir(t);
  const stores = await LevelStore.openMany(many, ADDRESS, 2, { sync: false });
  await put(stores[1], 'kept', { value: 'v', version: 1 });
  await Promise.all(stores.map((s) => s.close()));
  for (const attempt of [() => LevelStore.open(many, ADDRESS, { sync: false }), () => LevelStore.openMany(many, ADDRESS, 3, { sync: false })]) {
    const err = await t.throwsAsync(attempt());
    t.is(codeOf(err), 'DATA_DIR_MISMATCH');
    t.regex(err.message, /2 ring ids/);
  }
  const again = await LevelStore.openMany(many, ADDRESS, 2, { sync: false });
  t.teardown(() => Promise.all(again.map((s) => s.close())));
  t.deepEqual((await again[1].entries()).map((e) => e.key), ['kept']);

  const one = await tempDir(t);
  await (await LevelStore.open(one, ADDRESS, { sync: false })).close();
  t.is(codeOf(await t.throwsAsync(LevelStore.openMany(one, ADDRESS, 2, { sync: false }))), 'DATA_DIR_MISMATCH');
});
