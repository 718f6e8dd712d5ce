/**
 * A Merkle exchange between an owner and one replica of a key range, in one process over a
 * counting JSON transport: it moves exactly the pairs that differ, each the right way, and
 * nothing when the two agree; a large difference is repaired over several bounded exchanges.
 */
import test from 'ava';
import type { Item, KeyedItem } from '../../common/wire.js';
import { merkleAnswers } from '../../node/merkle/answers.js';
import { RangeTrees } from '../../node/merkle/trees.js';
import { RpcServer } from '../../node/rpc/server.js';
import { NotifyingStore } from '../../node/storage/notifying-store.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { counterVersions } from '../../node/versions/counter.js';
import { MAX_BRANCHES, merkleChildren, merkleHandlers, merkleLeaves, merkleSwap, type MerkleService } from '../../node/rpc/merkle.js';
import { keysInRange, merklePair, putBoth, RANGE } from '../helpers/merkle-pair.js';

const value = (i: number) => `value of pair ${i}, `.padEnd(100, '.');
const contents = async (store: { scan(from: bigint, to: bigint): Promise<KeyedItem[]> }) =>
  new Map((await store.scan(RANGE.from, RANGE.to)).map(({ key, ...item }) => [key, item]));
const sortedKeys = (items: KeyedItem[]) => items.map((item) => item.key).sort();

test('an exchange between two replicas of 100,000 pairs that differ in 10 moves only those pairs, each towards the stale side', async (t) => {
  const { owner, replica, wire, exchange } = merklePair();
  const keys = keysInRange(100_002);
  const [onlyAtOwner, onlyAtReplica] = keys.splice(100_000, 2); // in the range, written on one side only
  for (const [i, key] of keys.entries()) await putBoth([owner, replica], key, { value: value(i), version: 1 });
  const at = (i: number) => keys[i * 9_973];
  const older: Item = { value: 'old', version: 1 };
  const newer: Item = { value: 'new', version: 2 };
  const tombstone: Item = { value: null, version: 2 };
  // [key, owner's item (undefined: owner lacks it), replica's item (undefined: replica lacks it), which way it must move]
  const differences: [string, Item | undefined, Item | undefined, 'to replica' | 'to owner'][] = [
    [at(0), newer, older, 'to replica'],
    [at(2), older, newer, 'to owner'],
    [at(3), older, newer, 'to owner'],
    [at(4), newer, undefined, 'to replica'],
    [onlyAtOwner, newer, undefined, 'to replica'],
    [onlyAtReplica, undefined, newer, 'to owner'],
    [at(5), undefined, older, 'to owner'],
    [at(6), tombstone, older, 'to replica'],
    [at(7), older, tombstone, 'to owner'],
    // One version, two contents: only the digests tell them apart (the policy lets the tombstone win).
    [at(8), { value: null, version: 1 }, older, 'to replica'],
  ];
  for (const [key, mine, theirs] of differences) {
    for (const [store, item] of [[owner, mine], [replica, theirs]] as const) {
      if (item) await store.update(key, () => item);
      else await store.remove(key);
    }
  }

  t.is((await owner.scan(RANGE.from, RANGE.to)).length, 100_000);
  const result = await exchange();
  const expectedTo = (way: string) => differences.filter((d) => d[3] === way).map(([key]) => key).sort();
  t.deepEqual(sortedKeys(wire.sent), expectedTo('to replica'), 'the owner sent exactly its newer copies and the replica\'s missing pairs');
  t.deepEqual(sortedKeys(wire.received), expectedTo('to owner'), 'the replica sent back exactly its newer copies and the owner\'s missing pairs');
  t.deepEqual(result, { sent: 5, received: 5 });
  t.deepEqual(await contents(owner), await contents(replica), 'the two now hold the same pairs');
  for (const [key, mine, theirs, way] of differences) {
    t.deepEqual(await owner.get(key), way === 'to replica' ? mine : theirs, key);
  }
  const fullPushBytes = Buffer.byteLength(JSON.stringify({ items: await owner.scan(RANGE.from, RANGE.to) }));
  t.log(`moved ${wire.moved} pairs in ${wire.bytes} bytes over ${[...wire.calls.values()].reduce((a, b) => a + b)} calls; a full push would send ${fullPushBytes} bytes`);
  t.true(wire.bytes < 60_000, `${wire.bytes} bytes`);
  t.true(wire.bytes * 100 < fullPushBytes);

  wire.reset();
  t.deepEqual(await exchange(), { sent: 0, received: 0 }, 'once they agree, another exchange moves nothing');
  t.deepEqual([...wire.calls.keys()], [merkleChildren.path], 'and stops at the root\'s children');
});

test('an exchange between identical replicas moves 0 pairs in one call', async (t) => {
  const { owner, replica, wire, exchange } = merklePair();
  for (const [i, key] of keysInRange(5_000).entries()) await putBoth([owner, replica], key, { value: value(i), version: i + 1 });
  await putBoth([owner, replica], keysInRange(1)[0], { value: null, version: 99_999 });
  t.deepEqual(await exchange(), { sent: 0, received: 0 });
  t.is(wire.moved, 0);
  t.deepEqual(Object.fromEntries(wire.calls), { [merkleChildren.path]: 1 });
});

test('both empty, or one side empty: nothing to compare, or everything to send', async (t) => {
  const { owner, replica, wire, exchange } = merklePair();
  t.deepEqual(await exchange(), { sent: 0, received: 0 });
  for (const key of keysInRange(20)) await replica.update(key, () => ({ value: 'v', version: 1 }));
  t.deepEqual(await exchange(), { sent: 0, received: 20 });
  t.deepEqual(await contents(owner), await contents(replica));
  t.is(wire.moved, 20);
});

test('a large difference is repaired over several exchanges, none moving more than its budget', async (t) => {
  const budget = 300;
  const { owner, replica, wire, exchange } = merklePair(budget);
  const keys = keysInRange(20_000);
  for (const [i, key] of keys.entries()) await putBoth([owner, replica], key, { value: value(i), version: 1 });
  for (const key of keys.slice(0, 1_000)) await owner.update(key, () => ({ value: 'new', version: 2 }));
  let exchanges = 0;
  let moved = 0;
  for (;;) {
    wire.reset();
    const { sent, received } = await exchange();
    if (sent + received === 0) break;
    exchanges++;
    moved += sent + received;
    t.true(sent + received <= budget, `exchange ${exchanges} moved ${sent + received}`);
    t.true(exchanges < 20, 'converges');
  }
  t.is(moved, 1_000, 'every differing pair moved once');
  t.true(exchanges >= Math.ceil(1_000 / budget));
  t.deepEqual(await contents(owner), await contents(replica));
});

test('a swap answers only the wanted pairs that still differ from what the owner sent', async (t) => {
  const store = new NotifyingStore(new MemoryStore());
  await store.update('behind', () => ({ value: 'old', version: 1 }));
  await store.update('ahead', () => ({ value: 'newer', version: 5 }));
  const answers = merkleAnswers({ store, trees: new RangeTrees(store), versions: counterVersions });
  const back = await answers.swap([{ key: 'behind', value: 'new', version: 2 }, { key: 'ahead', value: 'older', version: 1 }], ['behind', 'ahead', 'absent']);
  t.deepEqual(back, [{ key: 'ahead', value: 'newer', version: 5 }], 'the merged pair stays, the newer one comes back, an absent one is not invented');
  t.deepEqual(await store.get('behind'), { value: 'new', version: 2 });
});

test('merkle calls refuse malformed requests before they reach the service', async (t) => {
  const server = new RpcServer();
  const untouched: MerkleService = {
    children: () => Promise.reject(new Error('reached')), leaves: () => Promise.reject(new Error('reached')), swap: () => Promise.reject(new Error('reached')),
  };
  server.register(merkleHandlers(untouched));
  const range = { from: 'a'.repeat(40), to: 'b'.repeat(40) };
  const item = { key: 'k', value: 'v', version: 1 };
  const table: [string, unknown][] = [
    [merkleChildren.path, { ...range }],
    [merkleChildren.path, { ...range, prefixes: ['abcd'] }],
    [merkleChildren.path, { ...range, prefixes: ['AB'] }],
    [merkleChildren.path, { ...range, prefixes: ['a', 'a'] }],
    [merkleChildren.path, { ...range, prefixes: ['x'] }],
    [merkleChildren.path, { ...range, prefixes: [1] }],
    [merkleChildren.path, { ...range, prefixes: Array.from({ length: MAX_BRANCHES + 1 }, (_, i) => i.toString(16).padStart(3, '0')) }],
    [merkleChildren.path, { from: 'zz', to: range.to, prefixes: [''] }],
    [merkleChildren.path, { from: range.from, prefixes: [''] }],
    [merkleLeaves.path, { ...range, prefixes: ['abc'] }],
    [merkleLeaves.path, { ...range, prefixes: ['abcde'] }],
    [merkleSwap.path, { items: [item] }],
    [merkleSwap.path, { items: [{ ...item, version: -1 }], want: [] }],
    [merkleSwap.path, { items: [{ ...item, key: '' }], want: [] }],
    [merkleSwap.path, { items: [], want: [''] }],
    [merkleSwap.path, { items: [], want: Array.from({ length: 1001 }, (_, i) => `k${i}`) }],
    [merkleSwap.path, null],
  ];
  for (const [path, body] of table) {
    await t.throwsAsync(server.dispatch('POST', path, body), { code: 'INVALID_REQUEST' } as never, `${path} ${JSON.stringify(body)?.slice(0, 80)}`);
  }
});
