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

test('a write still running is not forgotten beyond the bound; it is once it has finished and is the oldest', async (t) => {
  let now = 0;
  const recent = new RecentWrites(1000, 2, () => now);
  let applied = 0;
  let finish!: (a: OpAnswer) => void;
  const slow = recent.run('slow', 'v', () => (applied++, new Promise<OpAnswer>((resolve) => { finish = resolve; })));
  const apply = async () => (applied++, answer('v'));
  for (const id of ['b', 'c', 'd']) await recent.run(id, 'v', apply);
  const copy = recent.run('slow', 'v', apply); // still running: the copy waits for it
  finish(answer('v', 9));
  t.like(await slow, { version: 9 });
  t.like(await copy, { version: 9 });
  t.is(applied, 4);
  now = 500;
  for (const id of ['e', 'f']) await recent.run(id, 'v', apply); // slow went round to the end, then out
  await recent.run('slow', 'v', apply);
  t.is(applied, 7);
  await recent.run('f', 'v', apply); // among the newest two
  t.is(applied, 7);
});

/** CPU time of `writes` writes with fresh ids, in ns per write. */
async function runCost(recent: RecentWrites, first: number, writes: number): Promise<number> {
  const done = answer('v');
  const started = process.cpuUsage();
  for (let i = first; i < first + writes; i++) await recent.run(`w${i}`, 'v', () => Promise.resolve(done));
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / writes;
}

test('forgetting old ids costs no more once the bound has turned over many times', async (t) => {
  // forgetOld started a fresh iterator at every write, which steps over every id deleted
  // since V8 last rehashed the map (see MapCursor). A ratio within one run: the best of three.
  const max = 40_000;
  const filling: number[] = [];
  const turnedOver: number[] = [];
  for (let trial = 0; trial < 3; trial++) {
    const recent = new RecentWrites(60_000, max);
    filling.push(await runCost(recent, 0, max));
    await runCost(recent, max, 3 * max);
    turnedOver.push(await runCost(recent, 4 * max, max));
  }
  const ratio = Math.min(...turnedOver) / Math.min(...filling);
  t.true(ratio < 3, `a write cost ${ratio.toFixed(1)}× as much after the ids turned over as while they filled`);
});
