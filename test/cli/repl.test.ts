/**
 * `chordkv repl` driven through a piped stdin, as a script would: the one-shot commands'
 * output line for line, \json and \connect, errors that leave the session running, \quit.
 */
import test from 'ava';
import type { StatusAnswer, ValueAnswer } from '../../common/wire.js';
import { TestCluster } from '../helpers/cluster.js';
import { closedPort, ensureBuilt, runChordkv } from '../helpers/processes.js';

let cluster: TestCluster;

test.before(async () => {
  ensureBuilt();
  cluster = await TestCluster.start(3, { k: 2 });
});
test.after.always(() => cluster?.teardown());

const lines = (text: string) => text.trim().split('\n').filter((line) => line.length > 0);
const hasStackTrace = (text: string) => /^\s+at .+[:(]/m.test(text);

test('a script of commands runs line by line; errors are reported and the session goes on until \\quit', async (t) => {
  const [first, second] = cluster.addresses;
  const nowhere = `127.0.0.1:${await closedPort()}`;
  const script = [
    'insert "Hey Jude" \'The Beatles\'',
    'query "Hey Jude"',
    '\\json on',
    'query "Hey Jude"',
    `\\connect ${second}`,
    'status',
    'query "Hey Jude"',
    '\\json off',
    'query k --timeout abc',
    'insert',
    'querry x',
    'up',
    `\\connect ${nowhere}`,
    'overlay',
    `\\connect ${first}`,
    'query "Hey Jude"',
    '\\quit',
    'insert "after quit" x',
  ].join('\n') + '\n';
  const result = await runChordkv(['repl', '--node', first], { input: script });
  t.is(result.code, 0, result.stderr);
  t.false(hasStackTrace(result.stderr), result.stderr);

  const out = lines(result.stdout);
  const shown = `${out.map((line) => line.slice(0, 120)).join('\n')}\nstderr:\n${result.stderr}`; // status --json is long
  t.is(out.length, 6, shown);
  t.regex(out[0], /^inserted "Hey Jude" = "The Beatles" at 127\.0\.0\.1:\d+ \(\d+ hops?\)$/);
  t.true(out[1].startsWith('"Hey Jude" = "The Beatles"  (from '), out[1]);
  t.like(JSON.parse(out[2]) as ValueAnswer, { key: 'Hey Jude', value: 'The Beatles' });
  t.is((JSON.parse(out[3]) as StatusAnswer).address, second, 'status went to the node \\connect named');
  t.like(JSON.parse(out[4]) as ValueAnswer, { key: 'Hey Jude', value: 'The Beatles' });
  t.true(out[5].startsWith('"Hey Jude" = "The Beatles"  (from '), 'after the errors, a command still ran, in prose again');

  const err = lines(result.stderr);
  const expected = [
    `connected to ${second}`,
    /^error: --timeout must be a positive number/,
    /^error: missing key/,
    /^error: unknown command "querry"/,
    /^error: "up" only runs from the shell/,
    new RegExp(`^warning: ${nowhere} does not answer`),
    new RegExp(`^error: cannot reach a chordkv node at ${nowhere}`),
    `connected to ${first}`,
  ];
  t.is(err.length, expected.length, result.stderr);
  expected.forEach((line, i) => (typeof line === 'string' ? t.is(err[i], line) : t.regex(err[i], line)));
  await t.throwsAsync(cluster.kv.get(first, 'after quit'), undefined, 'a line after \\quit ran');
});

test('the end of its input ends the repl like \\quit, with exit 0 even after a failed command', async (t) => {
  const result = await runChordkv(['repl', '--node', cluster.addresses[0]], { input: 'query "no such key"\noverlay --json\n' });
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /^error: .*no such key/);
  t.is((JSON.parse(result.stdout) as { nodes: unknown[] }).nodes.length, 3);
});

test('commands whose value would come from stdin, and meta-commands used wrongly, are refused in one line', async (t) => {
  const script = ['insert k --value-file -', '\\json maybe', '\\connect', '\\connect http://x:1', '\\nope', '"unterminated'].join('\n');
  const result = await runChordkv(['repl', '--node', cluster.addresses[0]], { input: script });
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '');
  const err = lines(result.stderr);
  t.is(err.length, 6, result.stderr);
  t.true(err.every((line) => line.startsWith('error: ')), result.stderr);
  t.regex(err[3], /--node|\\connect takes HOST:PORT without a scheme/);
});

test('repl --direct: each key command learns the ring and goes straight to the key\'s head (no forward), whatever --node is', async (t) => {
  const keys = Array.from({ length: 6 }, (_, i) => `direct ${i}`);
  // status takes no key: --direct changes nothing for it, and must not make it fail.
  const script = [...keys.map((key) => `insert "${key}" v`), ...keys.map((key) => `query "${key}"`), `delete "${keys[0]}"`, 'status', '\\quit'].join('\n') + '\n';
  const result = await runChordkv(['repl', '--node', cluster.addresses[0], '--direct', '--json'], { input: script });
  t.is(result.code, 0, result.stderr);
  const answers = lines(result.stdout).map((line) => JSON.parse(line) as { hops: number; node: string; value?: string });
  t.is(answers.length, 2 * keys.length + 2, `${result.stdout}\n${result.stderr}`);
  t.is((answers[2 * keys.length + 1] as unknown as StatusAnswer).address, cluster.addresses[0]);
  // Writes and deletes enter at the head; a linearizable read there takes at most the head's one forward to the tail.
  answers.slice(0, keys.length).forEach((a) => t.is(a.hops, 0, JSON.stringify(a)));
  answers.slice(keys.length, 2 * keys.length).forEach((a) => t.true(a.hops <= 1 && a.value === 'v', JSON.stringify(a)));
  t.is(answers[2 * keys.length].hops, 0);
  // Without --direct, inserts from one node take forwards for the keys it does not own (of 30, some).
  const more = Array.from({ length: 30 }, (_, i) => `plain ${i}`);
  const plain = await runChordkv(['repl', '--node', cluster.addresses[0], '--json'], { input: `${more.map((key) => `insert "${key}" w`).join('\n')}\n\\quit\n` });
  t.true(lines(plain.stdout).some((line) => (JSON.parse(line) as { hops: number }).hops > 0), plain.stdout);
});
