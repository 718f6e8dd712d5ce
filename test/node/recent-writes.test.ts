/** RecentWrites: the owner applies a write once, however many copies of it arrive. */
import test from 'ava';
import { ChordError } from '../../common/errors.js';
import type { OpAnswer } from '../../common/wire.js';
import { RecentWrites } from '../../node/recent-writes.js';

const answer = (value: string) => ({ key: 'k', value, version: 1, node: 'n', hops: 0 }) as OpAnswer;

test('a copy of a write that was applied is refused and applies nothing', async (t) => {
  const recent = new RecentWrites();
  let applied = 0;
  const apply = async () => (applied++, answer('v'));
  t.like(await recent.run('w1', apply), { value: 'v' });
  const err = await t.throwsAsync(recent.run('w1', apply));
  t.is((err as ChordError).code, 'DUPLICATE_WRITE');
  t.is(applied, 1);
});

test('a copy that arrives while the first is in flight gets the first one\'s answer', async (t) => {
  const recent = new RecentWrites();
  let finish!: (a: OpAnswer) => void;
  let applied = 0;
  const first = recent.run('w1', () => (applied++, new Promise<OpAnswer>((resolve) => { finish = resolve; })));
  const copy = recent.run('w1', async () => (applied++, answer('copy')));
  finish(answer('first'));
  t.like(await first, { value: 'first' });
  t.like(await copy, { value: 'first' });
  t.is(applied, 1);
});

test('a failed attempt is forgotten, so the write can be tried again', async (t) => {
  const recent = new RecentWrites();
  await t.throwsAsync(recent.run('w1', () => Promise.reject(new ChordError('PEER_TIMEOUT', 'chain did not answer'))));
  t.like(await recent.run('w1', async () => answer('again')), { value: 'again' });
});

test('writes without an id always apply; ids are forgotten after the ttl and beyond the bound', async (t) => {
  let now = 0;
  const recent = new RecentWrites(1000, 2, () => now);
  let applied = 0;
  const apply = async () => (applied++, answer('v'));
  await recent.run(undefined, apply);
  await recent.run(undefined, apply);
  t.is(applied, 2);
  await recent.run('a', apply);
  now = 2000;
  await recent.run('a', apply); // past the ttl: applied again
  t.is(applied, 4);
  await recent.run('b', apply);
  await recent.run('c', apply);
  await recent.run('d', apply); // bound of 2: 'a' and 'b' forgotten
  await recent.run('a', apply);
  t.is(applied, 8);
  await t.throwsAsync(recent.run('d', apply));
});
