/**
 * `chordkv dump`: from a live node of an in-process ring (through the action function),
 * offline from a LevelStore data dir, and once through the executable.
 */
import test, { type ExecutionContext } from 'ava';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { showVersion, type NodeItems } from '../../common/wire.js';
import { hashId, successorOf } from '../../common/ring.js';
import { dump, type DumpFlags } from '../../cli/actions/dump.js';
import type { Printer } from '../../cli/output.js';
import { createTransport } from '../../common/transport.js';
import { items } from '../../node/rpc/replication.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { LevelStore } from '../../node/storage/level-store.js';
import { FilePeerBook } from '../../node/storage/peer-book.js';
import { TestCluster } from '../helpers/cluster.js';
import { closedPort, ensureBuilt, runChordkv } from '../helpers/processes.js';

const SECRET = 'dump-test-secret';

function capture(json = false): Printer & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { json, stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

const flags = (overrides: Partial<DumpFlags>): DumpFlags => ({ node: '127.0.0.1:1', json: false, timeout: 10_000, full: false, ...overrides });
/** The table rows of a prose dump (the header and the column titles dropped). */
const rows = (printer: { stdout: string[] }) => printer.stdout.join('\n').split('\n').slice(2);
const header = (printer: { stdout: string[] }) => printer.stdout.join('\n').split('\n')[0];
const rowOf = (printer: { stdout: string[] }, key: string) => rows(printer).find((r) => r.startsWith(`${JSON.stringify(key)} `));

async function tempDir(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chordkv-dump-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// ---- live, from a ring with a cluster secret ----

let cluster: TestCluster;
const LONG = 'la '.repeat(100);

test.before(async () => {
  cluster = await TestCluster.start(3, { k: 2, config: { secret: SECRET } });
  for (let i = 0; i < 12; i++) await cluster.kv.put(cluster.nodes[0].address, `song ${i}`, `album ${i}`);
  await cluster.kv.put(cluster.nodes[0].address, 'song 0', 'album 0, remastered');
  await cluster.kv.put(cluster.nodes[0].address, 'long', LONG);
});
test.after.always(() => cluster?.teardown());

test.serial('dump --node lists every pair the node holds with its version and role, tombstones marked', async (t) => {
  // The node holding most, so that every kind of row is likely to be there.
  const { nodes } = await cluster.kv.all(cluster.nodes[0].address);
  const { address: node, items: held } = nodes.reduce((a, b) => (b.items.length > a.items.length ? b : a));
  const doomed = held.find((i) => i.key !== 'song 0' && i.key !== 'long')?.key;
  if (!doomed) return t.fail('the node holds too little for the test to mean anything');
  await cluster.kv.delete(node, doomed);

  const printer = capture();
  t.is(await dump(flags({ node, secret: SECRET }), printer), 0, printer.stderr.join('\n'));
  t.deepEqual(printer.stderr, []);
  t.regex(header(printer), new RegExp(`^${node.replaceAll('.', '\\.')} \\(id [0-9a-f]{10}…\\): ${held.length} entr(y|ies) — .* 1 tombstone$`));
  t.is(rows(printer).length, held.length);
  for (const item of held.filter((i) => i.key !== doomed)) {
    const row = rowOf(printer, item.key);
    t.truthy(row, item.key);
    t.true(row!.endsWith(` ${item.role}`), row);
    if (item.key !== 'long') t.true(row!.includes(JSON.stringify(item.value)), row);
  }
  t.regex(rowOf(printer, doomed) ?? '', /\(deleted: tombstone\)\s+\d+\s+(primary|replica)$/);
  // Versions are the node's own; every row must show the one it stores.
  const transport = createTransport({ timeoutMs: 10_000, secret: SECRET });
  t.teardown(() => transport.close());
  for (const item of (await new RpcClient(transport).call(items, node, undefined)).items) {
    t.regex(rowOf(printer, item.key) ?? '', new RegExp(`\\s${showVersion(item.version)}\\s+${item.role}$`), item.key);
  }
  if (held.some((i) => i.key === 'long')) {
    t.regex(rowOf(printer, 'long')!, /"la la .*… \(300 bytes\)/);
    t.false(rowOf(printer, 'long')!.includes(LONG));
  }
});

test.serial('dump --node --json prints what /rpc/items returns, and --full prints long values whole', async (t) => {
  const node = cluster.nodes[2].address;
  const printer = capture(true);
  t.is(await dump(flags({ node, secret: SECRET, json: true }), printer), 0, printer.stderr.join('\n'));
  t.is(printer.stdout.length, 1);
  const parsed = JSON.parse(printer.stdout[0]) as NodeItems;
  t.is(parsed.address, node);
  t.regex(parsed.id, /^[0-9a-f]{40}$/);
  const live = (await cluster.kv.all(node)).nodes.find((n) => n.address === node)!.items;
  const listed = parsed.items.filter((i: { value: string | null }) => i.value !== null);
  t.deepEqual(listed.map((i: { key: string; role: string }) => `${i.key}/${i.role}`).sort(), live.map((i) => `${i.key}/${i.role}`).sort());
  t.true(parsed.items.every((i) => typeof i.version === 'number' && Number.isInteger(i.version) && i.version >= 1));

  // Whichever nodes hold "long" print it whole with --full.
  const everyone = await Promise.all(cluster.nodes.map(async (n) => {
    const p = capture();
    await dump(flags({ node: n.address, secret: SECRET, full: true }), p);
    return p.stdout.join('\n');
  }));
  t.true(everyone.some((text) => text.includes(JSON.stringify(LONG))), 'no node printed the long value whole');
});

test.serial('dump --node without the ring\'s secret exits 1 and says to pass --secret', async (t) => {
  for (const secret of [undefined, 'wrong']) {
    const printer = capture();
    t.is(await dump(flags({ node: cluster.nodes[0].address, secret }), printer), 1);
    t.deepEqual(printer.stdout, []);
    t.is(printer.stderr.length, 1);
    t.regex(printer.stderr[0], /--secret/);
    t.regex(printer.stderr[0], /UNAUTHORIZED/);
  }
});

test('dump --node of an address with nothing behind it exits 1 with one line', async (t) => {
  const address = `127.0.0.1:${await closedPort()}`;
  const printer = capture();
  t.is(await dump(flags({ node: address }), printer), 1);
  t.is(printer.stderr.length, 1);
  t.true(printer.stderr[0].includes(address), printer.stderr[0]);
});

// ---- offline, from a data dir ----

const SELF = '127.0.0.1:7101';
const PEER = '127.0.0.1:7102';

/** Keys the node at SELF owns (primary) and does not own (replica) in a ring of SELF and PEER. */
function keysByRole(): { primary: string; replica: string } {
  const ring = [SELF, PEER].map((address) => ({ id: hashId(address), address }));
  const keys = Array.from({ length: 100 }, (_, i) => `offline ${i}`);
  return {
    primary: keys.find((k) => successorOf(hashId(k), ring).address === SELF)!,
    replica: keys.find((k) => successorOf(hashId(k), ring).address === PEER)!,
  };
}

async function seededDir(t: ExecutionContext, peers: string[]): Promise<{ dir: string; primary: string; replica: string }> {
  const dir = join(await tempDir(t), 'data');
  const { primary, replica } = keysByRole();
  const store = await LevelStore.open(dir, SELF, { sync: false });
  await store.update(primary, () => ({ value: 'mine', version: 3 }));
  await store.update(replica, () => ({ value: 'a copy', version: 1 }));
  await store.update('deleted one', () => ({ value: null, version: 6 }));
  await store.close();
  await new FilePeerBook(dir).write(peers);
  return { dir, primary, replica };
}

test('dump --data-dir lists a stopped node\'s pairs, with roles from the peers it remembered', async (t) => {
  const { dir, primary, replica } = await seededDir(t, [PEER]);
  const printer = capture();
  t.is(await dump(flags({ dataDir: dir }), printer), 0, printer.stderr.join('\n'));
  t.true(header(printer).startsWith(`${SELF} (id `), header(printer));
  t.true(header(printer).includes(dir));
  t.is(rows(printer).length, 3);
  t.regex(rowOf(printer, primary)!, /"mine"\s+3\s+primary$/);
  t.regex(rowOf(printer, replica)!, /"a copy"\s+1\s+replica$/);
  t.regex(rowOf(printer, 'deleted one')!, /\(deleted: tombstone\)\s+6\s+(primary|replica)$/);

  const json = capture(true);
  t.is(await dump(flags({ dataDir: dir, json: true }), json), 0);
  const parsed = JSON.parse(json.stdout[0]) as NodeItems;
  t.is(parsed.address, SELF);
  t.like(parsed.items.find((i: { key: string }) => i.key === 'deleted one'), { value: null, version: 6 });
  t.like(parsed.items.find((i: { key: string }) => i.key === primary), { value: 'mine', version: 3, role: 'primary' });

  // Listing must leave the dir as it was: still the same node's, still openable by it.
  const reopened = await LevelStore.open(dir, SELF, { sync: false });
  t.is((await reopened.entries()).length, 3);
  await reopened.close();
});

test('dump --data-dir of a node that remembered no peers shows it owning everything', async (t) => {
  const { dir } = await seededDir(t, []);
  const printer = capture(true);
  t.is(await dump(flags({ dataDir: dir, json: true }), printer), 0);
  t.true((JSON.parse(printer.stdout[0]) as NodeItems).items.every((i: { role: string }) => i.role === 'primary'));
});

test('dump --data-dir of a dir a running node holds says to use --node instead', async (t) => {
  const { dir, primary } = await seededDir(t, [PEER]);
  const running = await LevelStore.open(dir, SELF, { sync: false });
  t.teardown(() => running.close());
  const printer = capture();
  t.is(await dump(flags({ dataDir: dir }), printer), 1);
  t.deepEqual(printer.stdout, []);
  t.is(printer.stderr.length, 1);
  t.regex(printer.stderr[0], /in use by a running node.*--node HOST:PORT/);
  t.deepEqual(await running.get(primary), { value: 'mine', version: 3 }, 'the open store was disturbed');
});

test('dump --data-dir of a missing or non-chordkv dir exits 1 and creates nothing', async (t) => {
  const root = await tempDir(t);
  const missing = join(root, 'no such dir');
  const printer = capture();
  t.is(await dump(flags({ dataDir: missing }), printer), 1);
  t.regex(printer.stderr[0], /no data dir at/);
  t.false(existsSync(missing), 'dump created the dir');

  const notADb = capture();
  t.is(await dump(flags({ dataDir: root }), notADb), 1);
  t.regex(notADb.stderr[0], /not a chordkv data dir/);
  t.false(existsSync(join(root, 'LOCK')), 'dump left LevelDB files behind');
});

test('chordkv dump --data-dir --json through the executable', async (t) => {
  ensureBuilt();
  const { dir, primary } = await seededDir(t, [PEER]);
  const result = await runChordkv(['dump', '--data-dir', dir, '--json']);
  t.is(result.code, 0, result.stderr);
  t.like((JSON.parse(result.stdout) as NodeItems).items.find((i: { key: string }) => i.key === primary), { value: 'mine', role: 'primary' });
  const prose = await runChordkv(['dump', '--data-dir', dir]);
  t.is(prose.code, 0, prose.stderr);
  t.true(prose.stdout.includes('(deleted: tombstone)'), prose.stdout);
});

test('dump --data-dir of a stopped process of several ring ids says so, and how to dump its ids live', async (t) => {
  const dir = join(await tempDir(t), 'data');
  const stores = await LevelStore.openMany(dir, SELF, 4, { sync: false });
  await stores[2].update('a key', () => ({ value: 'v', version: 1 }));
  await Promise.all(stores.map((s) => s.close()));
  const printer = capture();
  t.is(await dump(flags({ dataDir: dir }), printer), 1);
  t.deepEqual(printer.stdout, []);
  t.regex(printer.stderr.join('\n'), new RegExp(`4 ring ids of the process ${SELF}.*--node ${SELF}#0`));
});
