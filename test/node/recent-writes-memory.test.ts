/**
 * What RecentWrites keeps per write, in a file of its own: ava runs a file's tests at once,
 * and another test's records would be counted too.
 */
import test from 'ava';
import type { OpAnswer } from '../../common/wire.js';
import { RecentWrites } from '../../node/recent-writes.js';
import { heapPer } from '../helpers/heap.js';

test('a remembered write costs a few hundred bytes, not the 900 a dictionary-mode record did', async (t) => {
  const count = 20_000;
  // Ids and answers as the ring makes them: a fresh string each, a version, the head's address.
  const ids = Array.from({ length: count }, (_, i) => `${(1e12 + i).toString(16)}${i.toString(36).padStart(6, '0')}`);
  const answerTo = (i: number) => ({ key: `key ${ids[i]}`, value: 'x'.repeat(100), version: 1_796_454_926_117_000 + i, node: '10.0.0.1:7000', hops: 1 }) as OpAnswer;
  const { perItem, built: recent } = await heapPer(count, async () => {
    const recent = new RecentWrites();
    for (let i = 0; i < count; i++) await recent.run(ids[i], 'x', async () => answerTo(i));
    return recent;
  });
  t.true(perItem < 450, `${Math.round(perItem)} bytes per remembered write`);
  // Still remembered (and `recent` still in use: the collector would otherwise take it all).
  t.like(await recent.run(ids[0], 'x', () => Promise.reject(new Error('applied twice'))), { version: 1_796_454_926_117_000, value: 'x' });
});
