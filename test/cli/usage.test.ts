/**
 * Bad usage is one line naming the flag, exit 2, nothing started or sent; operands are
 * reachable however they look (a leading dash, empty, a literal '*'); help, version and
 * completion work; a reader that hangs up early ends a command quietly.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChordError } from '../../common/errors.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';
import { ensureBuilt, runChordkv, startNodeProcess, type ChordkvProcess } from '../helpers/processes.js';

let cluster: TestCluster;
let node: string;

test.before(async () => {
  ensureBuilt();
  cluster = await TestCluster.start(2, { k: 1 });
  node = cluster.nodes[0].address;
});
test.after.always(() => cluster?.teardown());

const lines = (text: string) => text.trim().split('\n').filter((line) => line.length > 0);
const hasStackTrace = (text: string) => /^\s+at .+[:(]/m.test(text);
const missing = async (key: string) => cluster.kv.get(node, key).then(() => false, (err: ChordError) => err.code === 'KEY_NOT_FOUND');

const badUsage: [args: string[], mentions: string][] = [
  [['query', 'k', '--timeout', 'abc'], '--timeout'],
  [['query', 'k', '--timeout', '0'], '--timeout'],
  [['query', 'k', '--timeout', '-5'], '--timeout'],
  [['query', 'k', '--node', '127.0.0.1:99999'], '--node'],
  [['query', 'k', '--node', 'http://127.0.0.1:5000'], '--node'],
  [['query', 'k', '--node', 'nowhere'], '--node'],
  [['up', '--nodes', '0'], '--nodes'],
  [['up', '-k', '0'], '-k'],
  [['up', '--base-port', '70000'], '--base-port'],
  [['fileparallel', 'fixtures/insert.txt', '--type', 'insert', '--concurrency', 'abc'], '--concurrency'],
  [['node', '--port', '99999'], '--port'],
  [['node', '--bootstrap', '127.0.0.1:0'], '--bootstrap'],
  [['node'], '--bootstrap'], // joins through 127.0.0.1:5000, its own default address
  [['insert', '-dash', 'v'], 'dash'],
  [['insert', 'a', 'b', '--', 'c'], '"c"'],
  [['insert', '', 'v'], 'key'],
  [['insert', 'k', 'v', '--if-version', 'abc'], '--if-version'],
  [['insert', 'k', 'v', '--ttl', 'soon'], '--ttl'],
  [['query', 'k', '--limit', '5'], '--limit'],
  [['query', '--prefix', 'p', '--literal'], '--literal'],
  [['insert', 'k', 'v', '--ttl', '0s'], '--ttl'],
  [['insert', 'k', 'v', '--if-version', '1', '--if-absent'], 'if-absent'],
];
for (const [args, mentions] of badUsage) {
  test(`chordkv ${args.map((a) => (a === '' ? "''" : a)).join(' ')} is bad usage: exit 2, one line naming ${mentions}`, async (t) => {
    const result = await runChordkv(args);
    t.is(result.code, 2, result.stderr);
    t.is(result.stdout, '');
    t.true(lines(result.stderr)[0].includes(mentions), result.stderr);
    t.false(hasStackTrace(result.stderr), result.stderr);
    t.false(/ready|ring up/.test(result.stderr + result.stdout), 'something started');
  });
}

test('a key given both as an argument and as --key is refused, and nothing is written', async (t) => {
  const result = await runChordkv(['insert', '--key', 'both-a', '--value', 'b', 'both-extra', '--node', node]);
  t.is(result.code, 2, result.stderr);
  t.regex(result.stderr, /given twice/);
  t.true(await missing('both-a'));
  t.true(await missing('both-extra'));
});

test('keys and values starting with a dash are reachable after --', async (t) => {
  const insert = await runChordkv(['insert', '--node', node, '--', '-dash', '-value']);
  t.is(insert.code, 0, insert.stderr);
  t.is((await cluster.kv.get(node, '-dash')).value, '-value');
  const query = await runChordkv(['query', '--node', node, '--json', '--', '-dash']);
  t.is(query.code, 0, query.stderr);
  t.is((JSON.parse(query.stdout) as { value: string }).value, '-value');
  const lone = await runChordkv(['insert', 'lone-dash', '-', '--node', node]);
  t.is(lone.code, 0, lone.stderr);
  t.is((await cluster.kv.get(node, 'lone-dash')).value, '-');
  const del = await runChordkv(['delete', '--node', node, '--', '-dash']);
  t.is(del.code, 0, del.stderr);
  t.true(await missing('-dash'));
});

test('insert --if-absent and --if-version compare and set; a failed condition exits 1 and writes nothing', async (t) => {
  const first = await runChordkv(['insert', 'cas-cli', 'one', '--if-absent', '--json', '--node', node]);
  t.is(first.code, 0, first.stderr);
  const { version } = JSON.parse(first.stdout) as { version: number };
  const again = await runChordkv(['insert', 'cas-cli', 'two', '--if-absent', '--node', node]);
  t.is(again.code, 1);
  t.regex(again.stderr, /VERSION_MISMATCH/);
  const stale = await runChordkv(['insert', 'cas-cli', 'two', '--if-version', String(version + 1), '--node', node]);
  t.is(stale.code, 1);
  t.is((await cluster.kv.get(node, 'cas-cli')).value, 'one');
  const right = await runChordkv(['insert', 'cas-cli', 'two', '--if-version', String(version), '--node', node]);
  t.is(right.code, 0, right.stderr);
  t.is((await cluster.kv.get(node, 'cas-cli')).value, 'two');
});

test('--value-file reads the value from a file, or from stdin with -, up to the 1 MiB limit', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'chordkv-value-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const big = 'é'.repeat(512 * 1024); // exactly 1 MiB of UTF-8
  await writeFile(join(dir, 'big'), big);
  const fromFile = await runChordkv(['insert', 'from-file', '--value-file', join(dir, 'big'), '--node', node]);
  t.is(fromFile.code, 0, fromFile.stderr);
  t.is((await cluster.kv.get(node, 'from-file')).value, big);
  const fromStdin = await runChordkv(['insert', 'from-stdin', '--value-file', '-', '--node', node], { input: 'line one\nline two\n' });
  t.is(fromStdin.code, 0, fromStdin.stderr);
  t.is((await cluster.kv.get(node, 'from-stdin')).value, 'line one\nline two\n');
  const tooBig = await runChordkv(['insert', 'too-big', '--value-file', '-', '--node', node], { input: big + 'x' });
  t.is(tooBig.code, 1);
  t.regex(tooBig.stderr, /VALUE_TOO_LARGE/);
  const twice = await runChordkv(['insert', 'twice', 'v', '--value-file', join(dir, 'big'), '--node', node]);
  t.is(twice.code, 2);
  t.regex(twice.stderr, /given twice/);
  const missingFile = await runChordkv(['insert', 'nofile', '--value-file', join(dir, 'nope'), '--node', node]);
  t.is(missingFile.code, 1);
  t.is(lines(missingFile.stderr).length, 1, missingFile.stderr);
  t.regex(missingFile.stderr, /cannot read the value/);
  t.true(await missing('too-big'));
  t.true(await missing('twice'));
});

test('node flags come from a --config file too, checked like flags, the command line winning', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'chordkv-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.json');
  await writeFile(good, JSON.stringify({ port: 0, k: 3, memory: true, 'log-level': 'warn' }));
  const started: ChordkvProcess[] = [];
  t.teardown(() => Promise.all(started.map((p) => p.kill())));
  const boot = await startNodeProcess(['bootstrap', '--config', good, '--consistency', 'eventual'], started);
  t.regex(boot.process.stdout, / k=3 consistency=eventual/);
  const bad = join(dir, 'bad.json');
  await writeFile(bad, JSON.stringify({ port: 99999 }));
  const refused = await runChordkv(['bootstrap', '--config', bad]);
  t.is(refused.code, 2);
  t.regex(lines(refused.stderr)[0], /--port/);
  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{"port": ');
  const unreadable = await runChordkv(['bootstrap', '--config', broken]);
  t.is(unreadable.code, 2, unreadable.stderr);
  t.false(hasStackTrace(unreadable.stderr), unreadable.stderr);
});

test('insert --ttl writes a pair that reads as absent once its time is up', async (t) => {
  const result = await runChordkv(['insert', 'ttl-cli', 'brief', '--ttl', '300ms', '--json', '--node', node]);
  t.is(result.code, 0, result.stderr);
  t.true(Number.isInteger((JSON.parse(result.stdout) as { expiresAt: number }).expiresAt));
  t.true(await waitFor(() => missing('ttl-cli'), 5000));
});

test('an empty value is a value, from the command line as over HTTP', async (t) => {
  const result = await runChordkv(['insert', 'empty-cli', '', '--node', node]);
  t.is(result.code, 0, result.stderr);
  t.is((await cluster.kv.get(node, 'empty-cli')).value, '');
});

test("a key literally named '*' is read with --literal; without it '*' is every pair", async (t) => {
  await cluster.kv.put(node, '*', 'a star');
  const literal = await runChordkv(['query', '--key', '*', '--literal', '--json', '--node', node]);
  t.is(literal.code, 0, literal.stderr);
  t.is((JSON.parse(literal.stdout) as { value: string }).value, 'a star');
  const all = await runChordkv(['query', '*', '--json', '--node', node]);
  t.true(Array.isArray((JSON.parse(all.stdout) as { nodes: unknown[] }).nodes));
});

test('help <command>, --version and completion answer and exit 0', async (t) => {
  const help = await runChordkv(['help', 'insert']);
  t.is(help.code, 0, help.stderr);
  t.regex(help.stdout, /chordkv insert \[KEY\] \[VALUE\]/);
  const version = await runChordkv(['--version']);
  t.is(version.code, 0, version.stderr);
  t.regex(version.stdout.trim(), /^\d+\.\d+\.\d+/);
  const completion = await runChordkv(['completion']);
  t.is(completion.code, 0, completion.stderr);
  t.regex(completion.stdout, /chordkv/);
});

test("a reader that hangs up early (| head -1) ends query '*' quietly with exit 0", async (t) => {
  const big = 'x'.repeat(2000);
  // Three batches, not 300 requests at once: on a loaded machine a burst like that outlasts the client's deadline.
  for (let start = 0; start < 300; start += 100) {
    await cluster.kv.batch(node, Array.from({ length: 100 }, (_, i) => ({ op: 'put' as const, key: `epipe ${start + i}`, value: big })));
  }
  const result = await runChordkv(['query', '*', '--node', node], { closeAfterFirstLine: true });
  t.is(result.code, 0, result.stderr);
  t.false(hasStackTrace(result.stderr), result.stderr);
  t.is(result.stderr, '');
});
