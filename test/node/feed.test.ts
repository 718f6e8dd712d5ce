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
