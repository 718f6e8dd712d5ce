/** KeyedMutex: sections on one key run one at a time, in order; different keys never wait. */
import test from 'ava';
import { KeyedMutex } from '../../node/keyed-mutex.js';

/** A promise the test resolves by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('sections on one key run one at a time, in the order they were queued', async (t) => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const section = (name: string) => async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    log.push(`start ${name}`);
    await settle();
    log.push(`end ${name}`);
    running--;
    return name;
  };
  const results = await Promise.all(['a', 'b', 'c', 'd'].map((name) => mutex.run('key', section(name))));
  t.deepEqual(results, ['a', 'b', 'c', 'd']);
  t.is(maxRunning, 1);
  t.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c', 'start d', 'end d']);
});

test('sections on different keys run at the same time', async (t) => {
  const mutex = new KeyedMutex();
  const gate = deferred();
  const started: string[] = [];
  const first = mutex.run('x', async () => { started.push('x'); await gate.promise; });
  const second = mutex.run('y', async () => { started.push('y'); await gate.promise; });
  await settle();
  t.deepEqual(started.sort(), ['x', 'y'], 'the second key waited for the first');
  gate.resolve();
  await Promise.all([first, second]);
});

test('a failing section rejects its caller and does not block the next one', async (t) => {
  const mutex = new KeyedMutex();
  const failing = mutex.run('key', () => Promise.reject(new Error('boom')));
  const next = mutex.run('key', () => Promise.resolve('after'));
  await t.throwsAsync(failing, { message: 'boom' });
  t.is(await next, 'after');
});

test('a key can be used again after every section on it has finished', async (t) => {
  const mutex = new KeyedMutex();
  t.is(await mutex.run('key', () => Promise.resolve(1)), 1);
  t.is(await mutex.run('key', () => Promise.resolve(2)), 2);
  const gate = deferred();
  const held = mutex.run('key', () => gate.promise);
  let entered = false;
  const waiting = mutex.run('key', () => { entered = true; return Promise.resolve(); });
  await settle();
  t.false(entered, 'entered while the previous section was running');
  gate.resolve();
  await Promise.all([held, waiting]);
  t.true(entered);
});
