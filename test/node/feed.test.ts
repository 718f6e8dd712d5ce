/** ChangeFeed: what watchers are told, in the order a key's versions stand. */
import test from 'ava';
import { ChangeFeed } from '../../node/replication/feed.js';
import { counterVersions } from '../../node/versions/counter.js';

test('a write acknowledged after a later one of its key is not recorded; other keys are not affected', (t) => {
  const feed = new ChangeFeed(counterVersions);
  feed.append({ key: 'k', value: 'v2', version: 2 });
  feed.append({ key: 'k', value: 'v1', version: 1 });
  feed.append({ key: 'k', value: 'v2', version: 2 });
  feed.append({ key: 'other', value: 'o1', version: 1 });
  feed.append({ key: 'k', value: 'v3', version: 3 });
  t.deepEqual(feed.changesAfter('', 0).map((e) => [e.key, e.value]), [['k', 'v2'], ['other', 'o1'], ['k', 'v3']]);
  t.is(feed.latest, 3);
});

test('the feed keeps the newest events within its size bound, and the newest one even when it alone is larger', (t) => {
  const feed = new ChangeFeed(counterVersions, 10_000);
  for (let i = 1; i <= 100; i++) feed.append({ key: `k${i % 7}`, value: String(i).padEnd(1000, '.'), version: i });
  const kept = feed.changesAfter('', 0);
  const chars = kept.reduce((sum, e) => sum + e.key.length + (e.value?.length ?? 0), 0);
  t.true(chars <= 2 * 10_000, `${chars} characters kept`);
  t.true(kept.length >= 9, `only ${kept.length} events kept`);
  t.is(kept.at(-1)!.seq, 100, 'the newest is kept');
  t.deepEqual(kept.map((e) => e.seq), kept.map((_, i) => 101 - kept.length + i), 'a run of the newest, in order');
  feed.append({ key: 'huge', value: 'x'.repeat(50_000), version: 1 });
  feed.append({ key: 'huge', value: 'y'.repeat(50_000), version: 2 });
  t.deepEqual(feed.changesAfter('', 0).map((e) => e.seq), [102]);
  t.is(feed.latest, 102);
});
