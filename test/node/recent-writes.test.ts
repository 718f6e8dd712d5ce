/** RecentWrites: the owner applies a write once, however many copies of it arrive. */
import test from 'ava';
import { ChordError } from '../../common/errors.js';
import type { OpAnswer } from '../../common/wire.js';
import { RecentWrites } from '../../node/recent-writes.js';

const answer = (value: string, version = 1) => ({ key: 'k', value, version, node: 'n', hops: 0 }) as OpAnswer;

test('a copy of a write that was applied gets its answer and applies nothing', async (t) => {
  const recent = new RecentWrites();
  let applied = 0;
  const apply = async () => (applied++, answer('v', 7));
  t.like(await recent.run('w1', 'v', apply), { value: 'v', version: 7 });
  t.like(await recent.run('w1', 'v', apply), { value: 'v', version: 7 });
  t.is(applied, 1);
});

test('a copy that arrives while the first is in flight gets the first one\'s answer', async (t) => {
  const recent = new RecentWrites();
  let finish!: (a: OpAnswer) => void;
  let applied = 0;
  const first = recent.run('w1', 'v', () => (applied++, new Promise<OpAnswer>((resolve) => { finish = resolve; })));
  const copy = recent.run('w1', 'v', async () => (applied++, answer('copy')));
  finish(answer('v', 3));
  t.like(await first, { version: 3 });
  t.like(await copy, { version: 3 });
  t.is(applied, 1);
});

test('a failed attempt is forgotten, so the write can be tried again', async (t) => {
  const recent = new RecentWrites();
  await t.throwsAsync(recent.run('w1', 'v', () => Promise.reject(new ChordError('PEER_TIMEOUT', 'chain did not answer'))));
  t.like(await recent.run('w1', 'v', async () => answer('v', 2)), { version: 2 });
});

test('writes without an id always apply; ids are forgotten after the ttl and beyond the bound', async (t) => {
  let now = 0;
  const recent = new RecentWrites(1000, 2, () => now);
  let applied = 0;
  const apply = async () => (applied++, answer('v'));
  await recent.run(undefined, 'v', apply);
  await recent.run(undefined, 'v', apply);
  t.is(applied, 2);
  await recent.run('a', 'v', apply);
  now = 2000;
  await recent.run('a', 'v', apply); // past the ttl: applied again
  t.is(applied, 4);
  for (const id of ['b', 'c', 'd']) await recent.run(id, 'v', apply); // a bound of 2: the oldest are forgotten
  await recent.run('a', 'v', apply);
  t.is(applied, 8);
  await recent.run('d', 'v', apply); // still remembered
  t.is(applied, 8);
});
