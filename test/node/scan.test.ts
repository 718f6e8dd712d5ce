/** Prefix scans: every node's matches merged by key, page after page, and the same from the command line. */
import test from 'ava';
import { ChordError } from '../../common/errors.js';
import type { ScanAnswer } from '../../common/wire.js';
import { TestCluster } from '../helpers/cluster.js';
import { ensureBuilt, runChordkv } from '../helpers/processes.js';

let cluster: TestCluster;
const users = new Map<string, string>();

test.before(async () => {
  ensureBuilt();
  cluster = await TestCluster.start(4, { k: 2 });
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < 45; i++) {
    const key = `user:${String(i).padStart(3, '0')}`;
    users.set(key, `name ${i}`);
    writes.push(cluster.kv.put(cluster.nodes[i % 4].address, key, `name ${i}`));
    writes.push(cluster.kv.put(cluster.nodes[i % 4].address, `order:${i}`, 'x'));
  }
  await Promise.all(writes);
  await cluster.kv.put(cluster.nodes[0].address, 'user:deleted', 'gone');
  await cluster.kv.delete(cluster.nodes[1].address, 'user:deleted');
});
test.after.always(() => cluster?.teardown());

test('pages of 7 through different nodes cover every matching key once, in key order, and end with a null cursor', async (t) => {
  const seen: ScanAnswer['items'] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await cluster.kv.scan(cluster.nodes[pages % 4].address, { prefix: 'user:', limit: 7, cursor });
    t.true(page.items.length <= 7);
    seen.push(...page.items);
    cursor = page.cursor ?? undefined;
    pages++;
  } while (cursor !== undefined && pages < 20);
  t.deepEqual(seen.map((i) => i.key), [...users.keys()].sort());
  t.deepEqual(seen.map((i) => i.value), [...users.keys()].sort().map((k) => users.get(k)));
  t.true(seen.every((i) => Number.isInteger(i.version)));
  t.is(pages, Math.ceil(users.size / 7));
});

test('an unmatched prefix is one empty page; an empty prefix lists every live pair', async (t) => {
  t.deepEqual(await cluster.kv.scan(cluster.nodes[2].address, { prefix: 'nobody:', limit: 10 }), { items: [], cursor: null });
  const all = await cluster.kv.scan(cluster.nodes[3].address, { prefix: '', limit: 1000 });
  t.is(all.items.length, 90);
  t.is(all.cursor, null);
});

test('a bad limit or cursor is refused with 400', async (t) => {
  const address = cluster.nodes[0].address;
  for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'prefix=a&cursor=not%20a%20cursor', 'limit=1&limit=2']) {
    const response = await fetch(`http://${address}/kv?${query}`);
    t.is(response.status, 400, query);
  }
  await t.throwsAsync(cluster.kv.scan(address, { prefix: '', limit: 0 }), { instanceOf: ChordError });
});

test('chordkv query --prefix follows the pages; --limit caps them', async (t) => {
  const node = cluster.nodes[1].address;
  const all = await runChordkv(['query', '--prefix', 'user:', '--json', '--node', node]);
  t.is(all.code, 0, all.stderr);
  t.deepEqual((JSON.parse(all.stdout) as ScanAnswer).items.map((i) => i.key), [...users.keys()].sort());
  const some = await runChordkv(['query', '--prefix', 'user:', '--limit', '5', '--node', node]);
  t.is(some.code, 0, some.stderr);
  t.is(some.stdout.split('\n').filter((l) => l.startsWith('  "user:')).length, 5);
  const both = await runChordkv(['query', 'user:001', '--prefix', 'user:', '--node', node]);
  t.is(both.code, 2);
});
