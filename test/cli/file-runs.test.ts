import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { fileCommand, fileParallelCommand, runFile, runFileParallel, type Answer, type RunSummary } from '../../cli/actions/file-runs.js';
import { formatAnswer } from '../../cli/actions/file-report.js';
import { parseRequests, type FileType } from '../../cli/file-format.js';
import type { Printer } from '../../cli/output.js';
import { hashId, idToHex } from '../../common/ring.js';
import { TestCluster } from '../helpers/cluster.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));

function capture(json = false): Printer & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { json, stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

/** Every value a file writes per key, in file order. */
function writes(name: string, type: FileType): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const r of parseRequests(readFileSync(fixture(name), 'utf8'), type).requests) {
    if (r.op === 'insert') result.set(r.key, [...(result.get(r.key) ?? []), r.value]);
  }
  return result;
}

/** A port nothing listens on: bound by us a moment ago, then released. */
async function deadAddress(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

const counts = (s: RunSummary) => ({ requests: s.requests, errors: s.errors, notFound: s.notFound, malformed: s.malformed });

test('file runs insert, query and mix files in order, printing every answer and a summary', async (t) => {
  const cluster = await TestCluster.start(4, { k: 2 });
  t.teardown(() => cluster.teardown());
  const node = cluster.nodes[0].address;

  const insertOut = capture();
  const inserted = await runFile({ path: fixture('small/insert.txt'), type: 'insert', node }, insertOut);
  t.deepEqual(counts(inserted), { requests: 9, errors: 0, notFound: 0, malformed: 2 });
  t.like(inserted, { mode: 'file', type: 'insert', nodes: 4, workers: 1, inserts: 9, queries: 0 });
  t.is(insertOut.stdout.length, 10, 'nine answers and the summary');
  t.regex(insertOut.stdout[0], /^line +1 {2}inserted "Hey Jude" = "The Beatles" at 127\.0\.0\.1:\d+ \(\d+ hops?, [\d.]+ ms\)$/);
  t.regex(insertOut.stdout.at(-1)!, /9 requests .*\n.*requests\/s\n.*p50 .*p99 .*\n {2}0 errors, 0 keys not found, 2 malformed lines skipped/);
  t.is(insertOut.stderr.length, 2);
  t.regex(insertOut.stderr[0], /small\/insert\.txt:6: skipped malformed line: no comma between key and value/);
  t.regex(insertOut.stderr[1], /small\/insert\.txt:9: skipped malformed line: empty key/);
  for (const [key, values] of writes('small/insert.txt', 'insert')) {
    t.is((await cluster.kv.get(cluster.random().address, key)).value, values.at(-1)!, key);
  }

  const queried = await runFile({ path: fixture('small/query.txt'), type: 'query', node }, capture());
  t.deepEqual(counts(queried), { requests: 8, errors: 0, notFound: 1, malformed: 0 });

  const mixOut = capture(true);
  const mixed = await runFile({ path: fixture('small/requests.txt'), type: 'mix', nodes: cluster.addresses }, mixOut);
  t.deepEqual(counts(mixed), { requests: 9, errors: 0, notFound: 1, malformed: 3 });
  t.like(mixed, { inserts: 3, queries: 6 });
  const lines = mixOut.stdout.map((line): unknown => JSON.parse(line));
  t.deepEqual(lines.at(-1), mixed, 'the last JSON line is the summary');
  const answers = lines.slice(0, -1) as Answer[];
  t.deepEqual(answers.map((a) => a.line), [1, 2, 3, 4, 5, 10, 11, 12, 13]);
  t.deepEqual(answers.map((a) => (a.ok ? a.value : a.error)), [
    'The Beatles / Past Masters', 'Wings?', 'Wings?', 'Led Zeppelin', 'a, b, c', 'a, b, c', 'KEY_NOT_FOUND',
    'Björk / Vespertine', 'Björk / Vespertine',
  ]);
  for (const a of answers.filter((a) => a.ok)) {
    t.true(cluster.addresses.includes(a.node) && cluster.addresses.includes(a.via) && Number.isInteger(a.hops));
    t.true(typeof a.latencyMs === 'number' && a.latencyMs >= 0);
  }
  t.deepEqual(mixOut.stderr.map((line) => (JSON.parse(line) as { malformed: { line: number } }).malformed.line), [7, 8, 9]);
});

test('fileparallel runs 500 requests with workers bound to every node and prints only the summary', async (t) => {
  const cluster = await TestCluster.start(4, { k: 2 });
  t.teardown(() => cluster.teardown());

  const out = capture(true);
  const inserted = await runFileParallel({ path: fixture('insert.txt'), type: 'insert', node: cluster.nodes[1].address, concurrency: 2 }, out);
  t.deepEqual(counts(inserted), { requests: 500, errors: 0, notFound: 0, malformed: 0 });
  t.like(inserted, { mode: 'fileparallel', nodes: 4, workers: 8 });
  t.true(inserted.throughput > 0 && inserted.seconds > 0);
  t.true(inserted.latencyMs.p50 <= inserted.latencyMs.p99 && inserted.latencyMs.p99 <= inserted.latencyMs.max);
  t.deepEqual(out.stdout.map((line): unknown => JSON.parse(line)), [inserted]);
  t.deepEqual(out.stderr, []);
  // Concurrent workers may apply two writes of one key in either order; single writes are exact.
  for (const [key, values] of writes('insert.txt', 'insert')) {
    const { value } = await cluster.kv.get(cluster.random().address, key);
    t.true(values.length === 1 ? value === values[0] : values.includes(value), key);
  }

  const queried = await runFileParallel({ path: fixture('query.txt'), type: 'query', nodes: cluster.addresses, quiet: true }, out);
  t.deepEqual(counts(queried), { requests: 500, errors: 0, notFound: 20, malformed: 0 });
  t.is(out.stdout.length, 1, 'a quiet run prints nothing');

  const mixed = await runFileParallel({ path: fixture('requests.txt'), type: 'mix', nodes: cluster.addresses, concurrency: 3 });
  t.like(mixed, { requests: 500, errors: 0, inserts: 250, queries: 250, workers: 12 });
});

test('a node that refuses connections is given up on and the run completes on the others', async (t) => {
  const cluster = await TestCluster.start(3, { k: 2 });
  t.teardown(() => cluster.teardown());
  const dead = await deadAddress();
  const summary = await runFileParallel({ path: fixture('insert.txt'), type: 'insert', nodes: [...cluster.addresses, dead] });
  t.like(summary, { requests: 500, errors: 3, errorCodes: { PEER_UNREACHABLE: 3 } });

  const sequential = await runFile({ path: fixture('small/insert.txt'), type: 'insert', nodes: [dead, ...cluster.addresses] });
  t.is(sequential.requests, 9);
  t.true(sequential.errors <= 3);
});

test('a run stops with RING_UNREACHABLE when every node refuses connections', async (t) => {
  const nodes = [await deadAddress()];
  await t.throwsAsync(runFile({ path: fixture('small/insert.txt'), type: 'insert', nodes }), { message: /at line \d+: every node/ });
  await t.throwsAsync(runFileParallel({ path: fixture('insert.txt'), type: 'insert', nodes }), { message: /after 3 of 500 requests/ });
});

test('exit codes: 1 with one clear line when the run cannot start, 2 for bad usage', async (t) => {
  const node = await deadAddress();
  const cases: [string, (printer: Printer) => Promise<number>, number, RegExp][] = [
    ['missing file', (p) => fileCommand({ path: fixture('nope.txt'), type: 'insert', node }, p), 1, /cannot read the request file .*nope\.txt: no such file/],
    ['a directory', (p) => fileCommand({ path: fixture('small'), type: 'query', node }, p), 1, /it is a directory/],
    ['unreachable ring', (p) => fileParallelCommand({ path: fixture('small/query.txt'), type: 'query', node }, p), 1, new RegExp(`cannot reach a chordkv node at ${node}`)],
    ['bad type', (p) => fileCommand({ path: fixture('small/query.txt'), type: 'delete', node }, p), 2, /--type must be one of insert, query, mix/],
    ['bad concurrency', (p) => fileParallelCommand({ path: fixture('small/query.txt'), type: 'query', node, concurrency: 0 }, p), 2, /--concurrency must be a whole number/],
  ];
  for (const [title, run, code, message] of cases) {
    const printer = capture();
    t.is(await run(printer), code, title);
    t.is(printer.stderr.length, 1, title);
    t.regex(printer.stderr[0], message, title);
    t.deepEqual(printer.stdout, [], title);
  }
});

test('file and fileparallel against a quorum ring: no errors, and a pass in file order leaves every key its last value', async (t) => {
  const cluster = await TestCluster.start(4, { k: 3, consistency: 'quorum', config: { consistency: 'quorum', k: 3, r: 2, w: 2 } });
  t.teardown(() => cluster.teardown());
  const nodes = cluster.addresses;
  // Concurrent writes of one key (Hey Jude's three lines) may leave siblings: still answers.
  const inserted = await runFileParallel({ path: fixture('small/insert.txt'), type: 'insert', nodes, concurrency: 2 });
  t.deepEqual(counts(inserted), { requests: 9, errors: 0, notFound: 0, malformed: 2 });
  // Sequential writes without a context supersede whatever a read quorum holds, siblings
  // included: after one pass in file order, every key has the last value it was given.
  t.is((await runFile({ path: fixture('small/insert.txt'), type: 'insert', nodes })).errors, 0);
  const out = capture(true);
  const queried = await runFile({ path: fixture('small/query.txt'), type: 'query', nodes }, out);
  t.is(queried.errors, 0);
  const last = new Map([...writes('small/insert.txt', 'insert')].map(([key, values]) => [key, values.at(-1)]));
  const answers = out.stdout.slice(0, -1).map((line) => JSON.parse(line) as Answer);
  for (const answer of answers.filter((a) => a.ok)) t.is(answer.ok ? answer.value : undefined, last.get(answer.key), answer.key);
});

test('an answer with siblings prints every sibling, not an empty value', (t) => {
  const line = formatAnswer({ line: 3, op: 'query', key: 'k', ok: true, value: '', siblings: ['a', 'b'], node: 'n:1', hops: 0, via: 'n:1', latencyMs: 1 });
  t.regex(line, /"k" = siblings "a", "b" {2}\(from n:1, 0 hops, 1\.0 ms\)$/);
});

test('--direct sends each request where it is answered: inserts take no forward, linearizable queries at most the head\'s one to the tail', async (t) => {
  const cluster = await TestCluster.start(4, { k: 2 });
  t.teardown(() => cluster.teardown());
  const hopsOf = (out: { stdout: string[] }) => out.stdout.map((line) => JSON.parse(line) as { hops?: number; requests?: number })
    .filter((a) => a.requests === undefined).map((a) => a.hops);
  const inserts = capture(true);
  const inserted = await runFile({ path: fixture('small/insert.txt'), type: 'insert', node: cluster.addresses[0], direct: true }, inserts);
  t.is(inserted.errors, 0);
  t.true(hopsOf(inserts).length > 0 && hopsOf(inserts).every((h) => h === 0), JSON.stringify(hopsOf(inserts)));
  const queries = capture(true);
  await runFile({ path: fixture('small/query.txt'), type: 'query', node: cluster.addresses[1], direct: true }, queries);
  // 0: the head answered a clean key under its read lease; 1: it asked the tail.
  t.true(hopsOf(queries).every((h) => h === undefined || h === 0 || h === 1), JSON.stringify(hopsOf(queries)));
  const parallel = await runFileParallel({ path: fixture('insert.txt'), type: 'insert', nodes: cluster.addresses, concurrency: 2, direct: true, quiet: true });
  t.deepEqual(counts(parallel), { requests: 500, errors: 0, notFound: 0, malformed: 0 });
});

/**
 * A one-node "ring" that tells its map (GET /overlay, /status) but never answers a key
 * operation, as a hung owner would; counts the key operations it received.
 */
async function hungNode(t: { teardown: (fn: () => unknown) => void }) {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const send = (body: unknown) => res.setHeader('content-type', 'application/json').end(JSON.stringify(body));
    if (req.url === '/overlay') return send({ nodes: [{ id: idToHex(hashId(address)), address }] });
    if (req.url === '/status') return send({ consistency: 'linearizable', k: 1 });
    received.push(req.method!);
    req.resume(); // and never answer
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  return { address, received };
}

test('--direct does not send again a write that timed out (it may have been applied); a read it does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'file-direct-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const inserts = join(dir, 'insert.txt');
  writeFileSync(inserts, 'one, 1\n');
  const queries = join(dir, 'query.txt');
  writeFileSync(queries, 'one\n');

  const writes = await hungNode(t);
  const inserted = await runFile({ path: inserts, type: 'insert', node: writes.address, direct: true, timeoutMs: 200 });
  t.is(inserted.errors, 1);
  t.deepEqual(writes.received, ['PUT'], 'the write was sent more than once');

  const reads = await hungNode(t);
  const queried = await runFile({ path: queries, type: 'query', node: reads.address, direct: true, timeoutMs: 200 });
  t.is(queried.errors, 1);
  t.deepEqual(reads.received, ['GET', 'GET'], 'a read that timed out is sent once more');
});
