/** AppliedWrites: what a node remembers of the writes it applied, to answer their retries. */
import test from 'ava';
import { hashId } from '../../common/ring.js';
import { AppliedWrites } from '../../node/replication/write-ids.js';

test('a retry of a remembered write gets the retry\'s value with the first version; the first record of an id stands', (t) => {
  const writes = new AppliedWrites();
  writes.record('w1', { key: 'k', value: 'v', version: 1, expiresAt: 99 });
  writes.record('w1', { key: 'k', value: 'v', version: 5 });
  writes.record('w2', { key: 'k', value: null, version: 2 });
  t.deepEqual(writes.retried('w1', { op: 'put', key: 'k', value: 'v', hops: 0 }), { key: 'k', value: 'v', version: 1, expiresAt: 99 });
  t.deepEqual(writes.retried('w2', { op: 'delete', key: 'k', hops: 0 }), { key: 'k', value: null, version: 2 });
  t.is(writes.retried('w3', { op: 'put', key: 'k', value: 'v', hops: 0 }), undefined, 'an id never seen');
  t.is(writes.retried('w1', { op: 'put', key: 'other', value: 'v', hops: 0 }), undefined, 'an id recorded for another key');
});

test('the records handed over with a range are those of keys in it, the whole ring when it starts where it ends', (t) => {
  const writes = new AppliedWrites(10);
  const keys = Array.from({ length: 8 }, (_, i) => `key ${i}`);
  keys.forEach((key, i) => writes.record(`w${i}`, { key, value: 'v', version: i }));
  const ids = keys.map(hashId).sort((a, b) => (a < b ? -1 : 1));
  const [from, to] = [ids[1], ids[4]];
  const expected = keys.filter((key) => hashId(key) > from && hashId(key) <= to).sort();
  t.deepEqual(writes.within(from, to).map((w) => w.record.key).sort(), expected);
  t.is(expected.length, 3);
  t.is(writes.within(from, from).length, 8);
});

test('at most max records are kept, the oldest forgotten first', (t) => {
  const writes = new AppliedWrites(2);
  for (const i of [1, 2, 3]) writes.record(`w${i}`, { key: 'k', value: 'v', version: i });
  const retry = (id: string) => writes.retried(id, { op: 'put', key: 'k', value: 'v', hops: 0 })?.version;
  t.deepEqual([retry('w1'), retry('w2'), retry('w3')], [undefined, 2, 3]);
});

test('records handed over are kept apart: adopting many does not push out a node\'s own, and an id known here is not adopted', (t) => {
  const writes = new AppliedWrites(2);
  writes.record('mine', { key: 'k', value: 'v', version: 1 });
  t.false(writes.adopt('mine', { key: 'k', version: 9 }));
  t.deepEqual([1, 2, 3].map((i) => writes.adopt(`theirs ${i}`, { key: 'k', version: 10 + i })), [true, true, true]);
  const retry = (id: string) => writes.retried(id, { op: 'put', key: 'k', value: 'v', hops: 0 })?.version;
  t.deepEqual([retry('mine'), retry('theirs 1'), retry('theirs 2'), retry('theirs 3')], [1, undefined, 12, 13]);
  t.is(writes.within(0n, 0n).length, 3, 'own and handed ones are handed on alike');
});
