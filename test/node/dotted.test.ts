/** Dotted version vectors, by table: which writes supersede which, what a merge keeps, what a context covers. */
import test from 'ava';
import {
  contextOf, decodeContext, descends, encodeContext, mergeSiblings, prune, writeSibling, type Clock, type DottedValue,
} from '../../node/versions/dotted.js';
import { DottedVersions, itemOf, siblingsOf } from '../../node/versions/dotted-versions.js';

const v = (value: string | null, node: string, n: number, past: Clock = {}): DottedValue => ({ value, dot: [node, n], past });
const values = (siblings: readonly DottedValue[]) => siblings.map((s) => s.value);

const merges: [string, DottedValue[], DottedValue[], (string | null)[]][] = [
  ['a write supersedes the version its past covers', [v('old', 'a', 1)], [v('new', 'b', 5, { a: 1 })], ['new']],
  ['concurrent writes are both kept, in a fixed order', [v('x', 'b', 1)], [v('y', 'a', 1)], ['y', 'x']],
  ['the same write twice is kept once', [v('x', 'a', 1)], [v('x', 'a', 1)], ['x']],
  ['a later write of the same coordinator that had not seen the earlier one is concurrent', [v('first', 'a', 2, { a: 1 })], [v('second', 'a', 3, { a: 1 })], ['first', 'second']],
  ['live values come before tombstones', [v(null, 'a', 1)], [v('kept', 'z', 1)], ['kept', null]],
  ['a tombstone supersedes what it covers', [v('x', 'a', 1), v('y', 'b', 1)], [v(null, 'c', 1, { a: 1, b: 1 })], [null]],
  ['a past that covers one sibling of two leaves the other', [v('x', 'a', 1), v('y', 'b', 1)], [v('z', 'c', 1, { a: 1 })], ['y', 'z']],
];

for (const [title, a, b, expected] of merges) {
  test(`merge: ${title}`, (t) => {
    t.deepEqual(values(mergeSiblings(a, b)), expected);
    t.deepEqual(values(mergeSiblings(b, a)), expected, 'merging is symmetric');
  });
}

test('a write keeps the siblings its context does not cover, and its dot is new', (t) => {
  const current = [v('x', 'a', 10), v('y', 'b', 4)];
  const { written, siblings } = writeSibling(current, { a: 10 }, 'a', 'z', 0);
  t.deepEqual(written.dot, ['a', 11]);
  t.deepEqual(values(siblings), ['z', 'y'], 'by dot: a before b');
  t.deepEqual(values(writeSibling(current, contextOf(current), 'c', 'w', 0).siblings), ['w'], 'a full context supersedes everything');
});

test('a write never reuses a dot: its counter is above every counter known and at least the clock floor', (t) => {
  t.deepEqual(writeSibling([], {}, 'a', 'x', 1_000).written.dot, ['a', 1_000]);
  t.deepEqual(writeSibling([v('x', 'b', 1, { a: 5_000 })], {}, 'a', 'y', 1_000).written.dot, ['a', 5_001]);
  t.deepEqual(writeSibling([], { a: 7 }, 'a', 'y', 0).written.dot, ['a', 8]);
});

test('pruning keeps the entries with the highest counters, and only ever adds siblings', (t) => {
  const wide: Record<string, number> = {};
  for (let i = 1; i <= 20; i++) wide[`n${i}`] = i;
  const pruned = prune(wide, 16);
  t.is(Object.keys(pruned).length, 16);
  t.false('n1' in pruned);
  t.true('n20' in pruned);
  // A write whose past lost n1 no longer supersedes n1's write: both stay (a false sibling), nothing is dropped.
  const old = v('old', 'n1', 1);
  const { siblings } = writeSibling([old], wide, 'x', 'new', 0);
  t.deepEqual(values(siblings), ['old', 'new'], 'the coordinator keeps what the stored past does not cover, as every replica will');
  t.deepEqual(values(mergeSiblings([old], [siblings.find((s) => s.value === 'new')!])), ['old', 'new'], 'a replica merging the write keeps both too');
});

test('descends: a version has seen every write of another and is not the same', (t) => {
  t.true(descends([v('b', 'b', 1, { a: 1 })], [v('a', 'a', 1)]));
  t.false(descends([v('a', 'a', 1)], [v('a', 'a', 1)]));
  t.false(descends([v('x', 'b', 1)], [v('y', 'a', 1)]));
});

test('contexts round-trip and refuse what a ring did not give out', (t) => {
  const clock = { '127.0.0.1:5000': 1_733_000_000_000_000, '127.0.0.1:5001': 3 };
  t.deepEqual(decodeContext(encodeContext(clock)), clock);
  for (const bad of ['', 'not base64!', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"a":-1}').toString('base64url'), Buffer.from('{"a":1.5}').toString('base64url')]) {
    t.is(decodeContext(bad), undefined, bad);
  }
});

test('the policy merges stored items and tells which one is later', (t) => {
  const policy = new DottedVersions('c:1', () => 0);
  const a = { key: 'k', ...itemOf([v('x', 'a:1', 1)]) };
  const b = { key: 'k', ...itemOf([v('y', 'b:1', 1)]) };
  const both = policy.merge(a, b)!;
  t.deepEqual(values(siblingsOf(both)), ['x', 'y']);
  t.is(policy.merge(a, both), undefined, 'nothing new: keep what is held');
  const next = itemOf([{ value: 'z', dot: ['c:1', 9], past: contextOf(siblingsOf(both)) }]);
  t.true(policy.later(next.version, both.version));
  t.false(policy.later(both.version, next.version));
  t.true(policy.same(both.version, policy.merge(b, a)!.version));
  t.true(policy.isVersion(both.version));
  t.false(policy.isVersion(3));
});

test('a context or version naming no node address, or a counter near 2^53, is refused: it could break a key for good', (t) => {
  const encode = (clock: object) => Buffer.from(JSON.stringify(clock)).toString('base64url');
  t.is(decodeContext(encode({ toString: 5 })), undefined, 'an Object property as a node name');
  t.is(decodeContext(encode({ '127.0.0.1:5000': Number.MAX_SAFE_INTEGER })), undefined, 'a counter whose successor is not exact');
  t.deepEqual(decodeContext(encode({ '127.0.0.1:5000': 2 ** 51 })), { '127.0.0.1:5000': 2 ** 51 });
  const policy = new DottedVersions('c:1');
  t.false(policy.isVersion({ dot: ['constructor', 1], past: {} }));
  t.false(policy.isVersion({ dot: ['a:1', 1], past: { valueOf: 3 } }));
  // An inherited property never counts as an entry of a clock.
  t.deepEqual(contextOf([v('x', 'a:1', 1)]), { 'a:1': 1 });
  t.false(descends([v('x', 'a:1', 1)], [v('y', 'toString', 1)]));
});
