/**
 * The real executable end to end: node processes that report readiness on stdout,
 * client commands as child processes (stdout, stderr, exit codes), depart, and `up`.
 */
import test from 'ava';
import { createKvClient } from '../../common/client.js';
import { hexToId, sortClockwise } from '../../common/ring.js';
import type { AllAnswer, OverlayAnswer, StatusAnswer, ValueAnswer } from '../../common/wire.js';
import { waitFor } from '../helpers/cluster.js';
import {
  acceptsConnections, ChordkvProcess, closedPort, ensureBuilt, portOf, runChordkv, startNodeProcess, type CommandResult,
} from '../helpers/processes.js';

const K = 2;
const shared: ChordkvProcess[] = [];
let ring: string[] = [];

/** A bootstrap node with -k `k` and `nodes` nodes that join through it, one at a time. */
async function startRing(started: ChordkvProcess[], nodes = 3, k = K): Promise<string[]> {
  const bootstrap = await startNodeProcess(['bootstrap', '--port', '0', '-k', String(k)], started);
  const addresses = [bootstrap.address];
  for (let i = 0; i < nodes; i++) {
    addresses.push((await startNodeProcess(['node', '--port', '0', '--bootstrap', bootstrap.address], started)).address);
  }
  return addresses;
}

const stopAll = (processes: ChordkvProcess[]) => Promise.all(processes.map((p) => p.kill()));
const lines = (text: string) => text.trim().split('\n').filter((line) => line.length > 0);
const hasStackTrace = (text: string) => /^\s+at .+[:(]/m.test(text);

/** The JSON document a --json command printed, read as `T` (what the command prints as JSON). */
function parseJson<T = unknown>(result: CommandResult): T {
  return JSON.parse(result.stdout) as T;
}

test.before(async () => {
  ensureBuilt();
  ring = await startRing(shared);
});
test.after.always(() => stopAll(shared));

test('every node process prints one readiness line with its address and id', (t) => {
  t.is(ring.length, 4);
  t.is(new Set(ring).size, 4);
  for (const proc of shared) {
    const ready = lines(proc.stdout).filter((line) => line.startsWith('ready '));
    t.is(ready.length, 1, proc.stdout);
    t.regex(ready[0], /^ready 127\.0\.0\.1:\d+ id=[0-9a-f]{40} k=2 consistency=linearizable$/);
  }
});

test('insert, query and delete work with positional arguments and print prose', async (t) => {
  const insert = await runChordkv(['insert', 'Hey Jude', 'The Beatles', '--node', ring[0]]);
  t.is(insert.code, 0, insert.stderr);
  t.regex(insert.stdout, /^inserted "Hey Jude" = "The Beatles" at 127\.0\.0\.1:\d+ \(\d+ hops?\)\n$/);
  const query = await runChordkv(['query', 'Hey Jude', '--node', ring[3]]);
  t.is(query.code, 0, query.stderr);
  t.true(query.stdout.startsWith('"Hey Jude" = "The Beatles"'), query.stdout);
  const del = await runChordkv(['delete', 'Hey Jude', '--node', ring[2]]);
  t.is(del.code, 0, del.stderr);
  t.regex(del.stdout, /^deleted "Hey Jude" at /);
  const gone = await runChordkv(['query', 'Hey Jude', '--node', ring[1]]);
  t.is(gone.code, 1);
  t.is(gone.stdout, '');
});

test('insert, query and delete accept --key and --value and print JSON with --json', async (t) => {
  const insert = await runChordkv(['insert', '--key', 'Let It Be', '--value', 'The Beatles, 1970', '--node', ring[1], '--json']);
  t.is(insert.code, 0, insert.stderr);
  const inserted = parseJson<ValueAnswer>(insert);
  t.like(inserted, { key: 'Let It Be', value: 'The Beatles, 1970' });
  t.true(ring.includes(inserted.node));
  t.true(Number.isInteger(inserted.hops));
  const query = await runChordkv(['query', '--key', 'Let It Be', '--node', ring[2], '--json']);
  t.is(query.code, 0, query.stderr);
  t.like(parseJson(query), { key: 'Let It Be', value: 'The Beatles, 1970' });
  const del = await runChordkv(['delete', '--key', 'Let It Be', '--node', ring[3], '--json']);
  t.is(del.code, 0, del.stderr);
  t.like(parseJson(del), { key: 'Let It Be', deleted: true });
});

test('querying a missing key exits 1 with a one-line error on stderr', async (t) => {
  const result = await runChordkv(['query', 'no such song', '--node', ring[0]]);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.is(lines(result.stderr).length, 1, result.stderr);
  t.regex(result.stderr, /no such song/);
  t.false(hasStackTrace(result.stderr));
});

test("query '*' prints every pair of the ring grouped by node, each held by k nodes", async (t) => {
  const keys = ['star one', 'star two', 'star three'];
  for (const key of keys) t.is((await runChordkv(['insert', key, `v ${key}`, '--node', ring[0]])).code, 0);
  const json = await runChordkv(['query', '*', '--node', ring[1], '--json']);
  t.is(json.code, 0, json.stderr);
  const all = parseJson<AllAnswer>(json);
  t.deepEqual(all.nodes.map((n: { address: string }) => n.address).sort(), [...ring].sort());
  for (const key of keys) {
    const holders = all.nodes.filter((n: { items: { key: string }[] }) => n.items.some((i) => i.key === key));
    t.is(holders.length, K, key);
  }
  const prose = await runChordkv(['query', '*', '--node', ring[1]]);
  t.is(prose.code, 0);
  t.regex(prose.stdout, /^\d+ pairs? on 4 nodes\n/);
  for (const key of keys) t.true(prose.stdout.includes(`"${key}" = "v ${key}"`), key);
});

test('overlay lists the ring in clockwise order from the node asked', async (t) => {
  const result = await runChordkv(['overlay', '--node', ring[2], '--json']);
  t.is(result.code, 0, result.stderr);
  const nodes: { id: string; address: string }[] = parseJson<OverlayAnswer>(result).nodes;
  const withIds = nodes.map((n) => ({ id: hexToId(n.id), address: n.address }));
  t.is(nodes[0].address, ring[2]);
  t.deepEqual(nodes.map((n) => n.address), sortClockwise(withIds, withIds[0].id).map((n) => n.address));
  t.deepEqual(nodes.map((n) => n.address).sort(), [...ring].sort());
  const prose = await runChordkv(['overlay', '--node', ring[2]]);
  t.is(lines(prose.stdout).length, 4);
  nodes.forEach((node, i) => t.true(lines(prose.stdout)[i].includes(node.address)));
});

test('status describes one node in prose and in JSON', async (t) => {
  const json = await runChordkv(['status', '--node', ring[3], '--json']);
  t.is(json.code, 0, json.stderr);
  const status = parseJson<StatusAnswer>(json);
  t.like(status, { address: ring[3], ready: true, k: K, consistency: 'linearizable' });
  t.regex(status.id, /^[0-9a-f]{40}$/);
  t.is(status.successors.length, 3);
  const prose = await runChordkv(['status', '--node', ring[3]]);
  t.is(prose.code, 0);
  t.true(prose.stdout.includes(ring[3]));
  t.true(prose.stdout.includes(status.id));
});

test('an unknown command exits 2 with a usage error', async (t) => {
  const result = await runChordkv(['querry', 'x']);
  t.is(result.code, 2);
  t.is(result.stdout, '');
  t.regex(result.stderr, /^error: /);
  t.false(hasStackTrace(result.stderr));
});

test('the error for a mistyped command names the command it did not know', async (t) => {
  const result = await runChordkv(['querry', 'x']);
  t.is(result.code, 2);
  t.regex(result.stderr, /querry/, 'the message only suggests another command');
});

test('an unreachable --node exits 1 with a one-line message and no stack trace', async (t) => {
  const address = `127.0.0.1:${await closedPort()}`;
  for (const args of [['query', 'x'], ['insert', 'x', 'y'], ['overlay']]) {
    const result = await runChordkv([...args, '--node', address]);
    t.is(result.code, 1, args.join(' '));
    t.is(result.stdout, '');
    t.is(lines(result.stderr).length, 1, result.stderr);
    t.true(result.stderr.includes(address));
    t.false(hasStackTrace(result.stderr));
  }
});

test('a departing node exits by itself and the rest of the ring still answers every key', async (t) => {
  const started: ChordkvProcess[] = [];
  t.teardown(() => stopAll(started));
  const addresses = await startRing(started);
  const { kv, close } = createKvClient({ timeoutMs: 15_000 });
  t.teardown(close);
  const expected = new Map(Array.from({ length: 20 }, (_, i) => [`depart key ${i}`, `value ${i}`]));
  for (const [key, value] of expected) await kv.put(addresses[0], key, value);

  const leaving = addresses[2];
  const depart = await runChordkv(['depart', '--node', leaving]);
  t.is(depart.code, 0, depart.stderr);
  t.true(depart.stdout.includes(`${leaving} departed`), depart.stdout);
  t.true(await started[2].waitForExit(15_000), 'the departed node kept running');
  t.is((await started[2].exited).code, 0);
  t.false(await acceptsConnections(portOf(leaving)));

  const remaining = addresses.filter((a) => a !== leaving);
  for (const node of remaining) {
    for (const [key, value] of expected) t.is((await kv.get(node, key)).value, value, `${key} via ${node}`);
  }
  const overlay = await runChordkv(['overlay', '--node', remaining[0], '--json']);
  t.deepEqual(parseJson<OverlayAnswer>(overlay).nodes.map((n: { address: string }) => n.address).sort(), [...remaining].sort());
  const query = await runChordkv(['query', 'depart key 7', '--node', remaining[2]]);
  t.is(query.code, 0, query.stderr);
  t.true(query.stdout.includes('"value 7"'));
});

test('up starts a ring, prints it as JSON, and SIGTERM stops every node it started', async (t) => {
  const up = new ChordkvProcess(['up', '--nodes', '3', '--base-port', '0', '--json'], true);
  let addresses: string[] = [];
  t.teardown(async () => {
    const leftovers = await Promise.all(addresses.map((a) => acceptsConnections(portOf(a))));
    if (up.running || leftovers.some(Boolean)) up.killGroup();
  });
  const [line] = await up.waitForLine(/^\{.*\}$/, 60_000);
  const printed = JSON.parse(line) as { nodes: string[]; k: number; consistency: string };
  addresses = printed.nodes;
  t.is(addresses.length, 3);
  t.like(printed, { k: 3, consistency: 'linearizable' });

  const insert = await runChordkv(['insert', 'up key', 'up value', '--node', addresses[0]]);
  t.is(insert.code, 0, insert.stderr);
  const query = await runChordkv(['query', 'up key', '--node', addresses[2], '--json']);
  t.like(parseJson(query), { key: 'up key', value: 'up value' });
  const overlay = await runChordkv(['overlay', '--node', addresses[1], '--json']);
  t.deepEqual(parseJson<OverlayAnswer>(overlay).nodes.map((n: { address: string }) => n.address).sort(), [...addresses].sort());

  up.child.kill('SIGTERM');
  t.true(await up.waitForExit(20_000), 'up did not exit after SIGTERM');
  t.is((await up.exited).code, 0);
  const stillServing = await waitFor(async () => {
    const open = await Promise.all(addresses.map((a) => acceptsConnections(portOf(a))));
    return open.some(Boolean) ? undefined : 'all closed';
  }, 15_000, 100);
  t.is(stillServing, 'all closed', 'a node kept serving after up was stopped');
});
