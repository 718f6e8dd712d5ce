/** RangeTrees: a range's tree is built from one scan, then follows the store's writes key by key, never serving a stale pair. */
import test from 'ava';
import { hashId } from '../../common/ring.js';
import { itemDigest } from '../../node/merkle/digest.js';
import { buildTree, leafOf } from '../../node/merkle/tree.js';
import { RangeTrees } from '../../node/merkle/trees.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { NotifyingStore } from '../../node/storage/notifying-store.js';
import type { Store } from '../../node/storage/store.js';
import { keysInRange, RANGE } from '../helpers/merkle-pair.js';

/** The tree a fresh scan of the range would build now. */
async function fresh(store: NotifyingStore) {
  return buildTree((await store.scan(RANGE.from, RANGE.to)).map((p) => ({ id: hashId(p.key), entry: { key: p.key, digest: itemDigest(p), version: p.version } })), RANGE.from, RANGE.to);
}

const outside = (() => {
  for (let i = 0; ; i++) if (hashId(`out-${i}`) > RANGE.to) return `out-${i}`;
})();

test('a cached tree follows updates, tombstones and removals in its range, and is built once', async (t) => {
  const store = new NotifyingStore(new MemoryStore());
  const keys = keysInRange(200);
  for (const key of keys) await store.update(key, () => ({ value: 'v', version: 1 }));
  const trees = new RangeTrees(store);
  const first = await trees.tree(RANGE.from, RANGE.to);
  t.is(first.root, (await fresh(store)).root);

  const steps: [string, () => Promise<unknown>][] = [
    ['an update', () => store.update(keys[0], () => ({ value: 'w', version: 2 }))],
    ['a tombstone', () => store.update(keys[1], () => ({ value: null, version: 2 }))],
    ['a removal', () => store.remove(keys[2])],
    ['a new key', () => store.update(keysInRange(201)[200], () => ({ value: 'n', version: 1 }))],
    ['a key outside the range', () => store.update(outside, () => ({ value: 'o', version: 1 }))],
    ['an expiry', () => store.update(keys[3], (current) => ({ ...current!, expiresAt: 5 }))],
  ];
  for (const [why, step] of steps) {
    const before = (await trees.tree(RANGE.from, RANGE.to)).root;
    await step();
    const after = await trees.tree(RANGE.from, RANGE.to);
    t.is(after.root, (await fresh(store)).root, why);
    if (why === 'a key outside the range') t.is(after.root, before, why);
    else t.not(after.root, before, why);
  }
  t.is(trees.builds, 1, 'every change was followed without another scan');
});

test('a write that lands while the tree is being built is in it', async (t) => {
  const inner = new MemoryStore();
  const keys = keysInRange(50);
  for (const key of keys) await inner.update(key, () => ({ value: 'v', version: 1 }));
  // A scan that returns what the store held before a write that lands while it runs.
  const slow: Store = {
    get: (key) => inner.get(key),
    update: (key, change) => inner.update(key, change),
    remove: (key, onlyIf) => inner.remove(key, onlyIf),
    entries: () => inner.entries(),
    close: () => inner.close(),
    scan: async (from, to) => {
      const before = await inner.scan(from, to);
      await store.update(keys[7], () => ({ value: 'during', version: 2 }));
      return before;
    },
  };
  const store = new NotifyingStore(slow);
  const trees = new RangeTrees(store);
  const tree = await trees.tree(RANGE.from, RANGE.to);
  t.is(tree.root, (await fresh(new NotifyingStore(inner))).root);
  t.is(tree.leaf(leafOf(hashId(keys[7]), RANGE.from, RANGE.to)).find((e) => e.key === keys[7])?.version, 2);
});

test('ranges are cached apart, and a changed key marks only the ranges that hold it', async (t) => {
  const store = new NotifyingStore(new MemoryStore());
  const trees = new RangeTrees(store);
  const whole = await trees.tree(5n, 5n); // from == to: the whole ring
  const part = await trees.tree(RANGE.from, RANGE.to);
  await store.update(outside, () => ({ value: 'o', version: 1 }));
  t.is((await trees.tree(5n, 5n)).size, 1);
  t.is((await trees.tree(RANGE.from, RANGE.to)).size, 0);
  t.is(whole, await trees.tree(5n, 5n), 'the same tree, kept');
  t.is(part.size, 0);
  t.is(trees.builds, 2);
});
