import test from 'ava';
import { atTurnEnd } from '../../common/turn-end.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test.serial('work queued in one turn runs after the turn, in order, and work it queues runs in the same pass', async (t) => {
  const ran: string[] = [];
  atTurnEnd(() => {
    ran.push('a');
    atTurnEnd(() => ran.push('c'));
  });
  atTurnEnd(() => ran.push('b'));
  // Registered after the queue's own setImmediate: it runs once the whole pass is done.
  setImmediate(() => ran.push('next immediate'));
  t.deepEqual(ran, [], 'nothing runs before the turn ends');
  await nextTurn();
  await nextTurn();
  t.deepEqual(ran, ['a', 'b', 'c', 'next immediate']);
});

test.serial('a failing piece of work does not hold back the rest, and its error is thrown once they ran', async (t) => {
  const ran: string[] = [];
  // The runner's own handler would count the error as the test's failure: it steps aside until it is caught here.
  const runners = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  t.teardown(() => runners.forEach((listener) => process.on('uncaughtException', listener)));
  const thrown = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
  atTurnEnd(() => {
    throw new Error('boom');
  });
  atTurnEnd(() => ran.push('after'));
  const error = await thrown;
  t.is((error as Error).message, 'boom');
  t.deepEqual(ran, ['after']);
  // The queue is usable again.
  atTurnEnd(() => ran.push('again'));
  await nextTurn();
  t.deepEqual(ran, ['after', 'again']);
});

test.serial('a pass left pending on a setImmediate that was swapped out (a simulated clock taken away) does not hold up later work', async (t) => {
  const real = globalThis.setImmediate;
  const dropped: Array<() => void> = [];
  globalThis.setImmediate = ((fn: () => void) => { dropped.push(fn); }) as unknown as typeof setImmediate;
  const ran: string[] = [];
  try {
    atTurnEnd(() => ran.push('queued on the swapped clock'));
  } finally {
    globalThis.setImmediate = real;
  }
  atTurnEnd(() => ran.push('queued after'));
  await nextTurn();
  t.deepEqual(ran, ['queued on the swapped clock', 'queued after']);
  // The dropped pass, should it still fire, finds nothing left to run.
  dropped.forEach((fn) => fn());
  t.is(ran.length, 2);
});
