/** The Merkle tree alone (pure): canonical digests, tree shape, and how two trees and two leaves differ, by table. */
import test from 'ava';
import { canonicalJson, itemDigest } from '../../node/merkle/digest.js';
import { buildTree, DEPTH, diffLeaf, differingChildren, EMPTY, leafOf, WHOLE_RING, type LeafEntry } from '../../node/merkle/tree.js';
import type { Item } from '../../common/wire.js';

/** An id whose first hex digits are `prefix` (the rest zero, then `tail`). */
const idAt = (prefix: string, tail = 0): bigint => BigInt('0x' + prefix.padEnd(40, '0')) + BigInt(tail);
const entry = (key: string, digest = 'd'.repeat(40), version = 1): LeafEntry => ({ key, digest, version });
const pair = (prefix: string, key: string, digest?: string) => ({ id: idAt(prefix, key.length), entry: entry(key, digest) });

test('canonical JSON sorts object keys at every depth and leaves undefined fields out', (t) => {
  const table: [unknown, string][] = [
    [1, '1'],
    ['a"b', '"a\\"b"'],
    [null, 'null'],
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { y: 1, x: [3, { q: 1, p: 2 }] }, a: undefined }, '{"z":{"x":[3,{"p":2,"q":1}],"y":1}}'],
    [[undefined], '[null]'],
  ];
  for (const [value, expected] of table) t.is(canonicalJson(value), expected, JSON.stringify(value));
});

test('an item digest is the same for equal items however they are spelled, and differs for any change', (t) => {
  const vector = (clock: Record<string, number>) => clock as unknown as Item['version'];
  const same: [Item, Item, string][] = [
    [{ value: 'v', version: 3 }, { version: 3, value: 'v' }, 'field order'],
    [{ value: 'v', version: 3, expiresAt: undefined }, { value: 'v', version: 3 }, 'an undefined expiry is no expiry'],
    [{ value: 'v', version: vector({ b: 1, a: 2 }) }, { value: 'v', version: vector({ a: 2, b: 1 }) }, 'a vector clock in another key order'],
  ];
  for (const [a, b, why] of same) t.is(itemDigest(a), itemDigest(b), why);
  const base: Item = { value: '', version: 3 };
  const different: [Item, string][] = [
    [{ value: null, version: 3 }, 'a tombstone is not an empty value'],
    [{ value: '', version: 4 }, 'another version'],
    [{ value: '', version: 3, expiresAt: 10 }, 'an expiry'],
    [{ value: ' ', version: 3 }, 'another value'],
  ];
  for (const [item, why] of different) t.not(itemDigest(item), itemDigest(base), why);
  t.regex(itemDigest(base), /^[0-9a-f]{40}$/);
});

test('pairs land in the bucket of their range that their id falls in, numbered in hex', (t) => {
  const { from, to } = WHOLE_RING;
  const max = (1n << 160n) - 1n;
  const span = 1n << 17n; // two ids per bucket
  const table: [bigint, bigint, bigint, string, string][] = [
    // [id, from, to, bucket, why]
    [0n, from, to, '0000', 'the whole ring from zero: the first hex digits of the id'],
    [idAt('abcd', 5), from, to, 'abcd', 'the whole ring from zero'],
    [max, from, to, 'ffff', 'the last id'],
    [101n, 100n, 100n + span, '0000', 'the first id of a small range'],
    [102n, 100n, 100n + span, '0000', 'two ids per bucket'],
    [103n, 100n, 100n + span, '0001', 'the next bucket'],
    [100n + span, 100n, 100n + span, 'ffff', 'the last id of the range'],
    [max - 9n, max - 10n, span - 11n, '0000', 'a range that wraps past zero: its first id'],
    [max, max - 10n, span - 11n, '0004', 'the last id before zero'],
    [0n, max - 10n, span - 11n, '0005', 'zero: the count goes on'],
    [span - 11n, max - 10n, span - 11n, 'ffff', 'its end'],
    [idAt('8', 1), idAt('8'), idAt('8'), '0000', 'the whole ring cut at another point: the next id comes first'],
  ];
  for (const [id, start, end, bucket, why] of table) t.is(leafOf(id, start, end), bucket, why);
  t.is(leafOf(idAt('8'), idAt('8'), idAt('8')), 'ffff', 'the cut point is the last id of a whole ring cut there');
  t.is(DEPTH, 4);
});

test('an empty tree has an empty root and empty children', (t) => {
  const tree = buildTree([]);
  t.is(tree.root, EMPTY);
  t.is(tree.size, 0);
  t.deepEqual(tree.children(''), Array(16).fill(EMPTY));
  t.deepEqual(tree.leaf('0000'), []);
});

test('trees of the same pairs agree whatever order the pairs come in; any change shows in the root and on its path only', (t) => {
  const pairs = [pair('1234', 'a'), pair('1234', 'bb'), pair('1299', 'c'), pair('abcd', 'd'), pair('ffff', 'e')];
  const base = buildTree(pairs);
  t.is(buildTree([...pairs].reverse()).root, base.root, 'insertion order');
  t.is(base.size, 5);
  t.deepEqual(base.leaf('1234').map((e) => e.key), ['a', 'bb'], 'a leaf lists its pairs by key');

  const table: [string, Parameters<typeof buildTree>[0], string[]][] = [
    // [what changed, the other tree's pairs, the differing branch at each level below the root]
    ['one digest', [pair('1234', 'a', 'e'.repeat(40)), ...pairs.slice(1)], ['1', '12', '123', '1234']],
    ['a pair missing', pairs.filter((p) => p.entry.key !== 'd'), ['a', 'ab', 'abc', 'abcd']],
    ['a pair added', [...pairs, pair('1299', 'x')], ['1', '12', '129', '1299']],
  ];
  for (const [why, other, path] of table) {
    const tree = buildTree(other);
    t.not(tree.root, base.root, why);
    let prefix = '';
    for (const expected of path) {
      t.deepEqual(differingChildren(prefix, base.children(prefix), tree.children(prefix)), [expected], `${why} at ${prefix || 'the root'}`);
      prefix = expected;
    }
  }
});

test('differingChildren names the children whose hashes differ, in digit order', (t) => {
  const hashes = (changes: Record<number, string>) => Array.from({ length: 16 }, (_, i) => changes[i] ?? `h${i}`);
  const table: [Record<number, string>, Record<number, string>, string[]][] = [
    [{}, {}, []],
    [{ 0: 'x' }, {}, ['ab0']],
    [{ 15: EMPTY }, { 3: EMPTY }, ['ab3', 'abf']],
  ];
  for (const [mine, theirs, expected] of table) t.deepEqual(differingChildren('ab', hashes(mine), hashes(theirs)), expected);
});

test('diffLeaf sorts the keys of two listings into only mine, only theirs and changed', (t) => {
  const [a, b, c] = [entry('a'), entry('b'), entry('c')];
  const b2 = entry('b', 'e'.repeat(40), 2);
  const table: [LeafEntry[], LeafEntry[], { onlyMine: string[]; onlyTheirs: string[]; changed: string[] }][] = [
    [[a, b], [a, b], { onlyMine: [], onlyTheirs: [], changed: [] }],
    [[a, b], [a], { onlyMine: ['b'], onlyTheirs: [], changed: [] }],
    [[a], [a, c], { onlyMine: [], onlyTheirs: ['c'], changed: [] }],
    [[a, b], [b2, c], { onlyMine: ['a'], onlyTheirs: ['c'], changed: ['b'] }],
    [[], [], { onlyMine: [], onlyTheirs: [], changed: [] }],
  ];
  for (const [mine, theirs, expected] of table) {
    const diff = diffLeaf(mine, theirs);
    t.deepEqual({
      onlyMine: diff.onlyMine.map((e) => e.key), onlyTheirs: diff.onlyTheirs.map((e) => e.key), changed: diff.changed.map(([m]) => m.key),
    }, expected);
  }
  t.deepEqual(diffLeaf([b], [b2]).changed, [[b, b2]], 'changed pairs carry both sides');
});

test('a tree changed pair by pair hashes as one built from the pairs it ends with', (t) => {
  const start = [pair('1234', 'a'), pair('1234', 'bb'), pair('1299', 'c'), pair('abcd', 'd')];
  type Step = ['put', ReturnType<typeof pair>] | ['remove', ReturnType<typeof pair>];
  const table: [string, Step[], ReturnType<typeof pair>[]][] = [
    ['a digest replaced', [['put', pair('1234', 'a', 'e'.repeat(40))]], [pair('1234', 'a', 'e'.repeat(40)), ...start.slice(1)]],
    ['a pair removed', [['remove', start[2]]], [start[0], start[1], start[3]]],
    ['a leaf emptied', [['remove', start[3]]], start.slice(0, 3)],
    ['a pair added, then removed', [['put', pair('ffff', 'z')], ['remove', pair('ffff', 'z')]], start],
    ['a missing pair removed', [['remove', pair('5555', 'nothing')]], start],
    ['everything removed', start.map((p): Step => ['remove', p]), []],
  ];
  for (const [why, steps, expected] of table) {
    const tree = buildTree(start);
    t.truthy(tree.root);
    for (const [op, p] of steps) {
      if (op === 'put') tree.put(p.id, p.entry);
      else tree.remove(p.id, p.entry.key);
    }
    const fresh = buildTree(expected);
    t.is(tree.root, fresh.root, why);
    t.is(tree.size, expected.length, why);
    for (const prefix of ['', '1', '12', '123', 'a', 'ab', 'abc']) t.deepEqual(tree.children(prefix), fresh.children(prefix), `${why} at ${prefix}`);
  }
  t.is(buildTree([]).root, EMPTY);
});
