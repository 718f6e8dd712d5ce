/**
 * MembershipLock: shared holders coexist, an exclusive holder excludes everyone,
 * waiting writers go before new readers, and an exclusive lease lapses on its own.
 */
import test from 'ava';
import { MembershipLock } from '../../node/membership-lock.js';
import { waitFor } from '../helpers/cluster.js';

const LONG_LEASE_MS = 60_000;

/** Lets every pending promise continuation and timer of zero delay run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Wraps a promise so a test can ask whether it has resolved yet. */
function track<T>(promise: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let done = false;
  return { done: () => done, promise: promise.then((value) => { done = true; return value; }) };
}

test('shared holders do not wait for each other', async (t) => {
  const lock = new MembershipLock();
  const releases = await Promise.all([lock.acquireShared(), lock.acquireShared(), lock.acquireShared()]);
  t.is(releases.length, 3);
  t.is(lock.heldBy, null);
  releases.forEach((release) => release());
});

test('an exclusive holder waits until every shared holder has released', async (t) => {
  const lock = new MembershipLock();
  const first = await lock.acquireShared();
  const second = await lock.acquireShared();
  const writer = track(lock.acquireExclusive('w', LONG_LEASE_MS));
  await settle();
  t.false(writer.done(), 'acquired while operations were running');
  first();
  first(); // releasing twice must not count twice
  await settle();
  t.false(writer.done(), 'acquired while one operation was still running');
  second();
  await writer.promise;
  t.is(lock.heldBy, 'w');
  t.true(lock.releaseExclusive('w'));
});

test('shared acquirers wait while an exclusive hold lasts and enter once it is released', async (t) => {
  const lock = new MembershipLock();
  await lock.acquireExclusive('w', LONG_LEASE_MS);
  const reader = track(lock.acquireShared());
  await settle();
  t.false(reader.done());
  t.true(lock.releaseExclusive('w'));
  const release = await reader.promise;
  t.is(lock.heldBy, null);
  release();
});

test('a waiting writer goes before operations that arrive after it', async (t) => {
  const lock = new MembershipLock();
  const early = await lock.acquireShared();
  const writer = track(lock.acquireExclusive('w', LONG_LEASE_MS));
  const late = track(lock.acquireShared());
  await settle();
  t.false(writer.done());
  t.false(late.done(), 'a new operation overtook the waiting writer');
  early();
  await writer.promise;
  await settle();
  t.false(late.done(), 'an operation entered while the writer held the lock');
  lock.releaseExclusive('w');
  (await late.promise)();
});

test('writers take the lock one after another in arrival order', async (t) => {
  const lock = new MembershipLock();
  await lock.acquireExclusive('a', LONG_LEASE_MS);
  const b = track(lock.acquireExclusive('b', LONG_LEASE_MS));
  const c = track(lock.acquireExclusive('c', LONG_LEASE_MS));
  await settle();
  t.false(b.done());
  t.true(lock.releaseExclusive('a'));
  await b.promise;
  t.is(lock.heldBy, 'b');
  t.false(c.done());
  t.true(lock.releaseExclusive('b'));
  await c.promise;
  t.is(lock.heldBy, 'c');
  lock.releaseExclusive('c');
});

test('the exclusive lock is re-entrant for the same token', async (t) => {
  const lock = new MembershipLock();
  await lock.acquireExclusive('a', LONG_LEASE_MS);
  await lock.acquireExclusive('a', LONG_LEASE_MS);
  t.is(lock.heldBy, 'a');
  t.true(lock.releaseExclusive('a'));
  t.is(lock.heldBy, null);
});

test('releasing with a token that does not hold the lock changes nothing', async (t) => {
  const lock = new MembershipLock();
  t.false(lock.releaseExclusive('nobody'));
  await lock.acquireExclusive('a', LONG_LEASE_MS);
  t.false(lock.releaseExclusive('b'));
  t.is(lock.heldBy, 'a');
  lock.releaseExclusive('a');
});

test('an exclusive lease lapses when its holder vanishes, letting operations in', async (t) => {
  const lock = new MembershipLock();
  await lock.acquireExclusive('gone', 40);
  const reader = track(lock.acquireShared());
  t.is(await waitFor(() => lock.heldBy === null, 5000, 5), true, 'the lease never lapsed');
  (await reader.promise)();
  t.false(lock.releaseExclusive('gone'), 'a lapsed holder could still release');
});

test('a lapsed lease hands the lock to the next waiting writer', async (t) => {
  const lock = new MembershipLock();
  await lock.acquireExclusive('gone', 40);
  await lock.acquireExclusive('next', LONG_LEASE_MS);
  t.is(lock.heldBy, 'next');
  lock.releaseExclusive('next');
});

test('re-acquiring with the same token renews the lease', async (t) => {
  const lock = new MembershipLock();
  await lock.acquireExclusive('a', 40);
  await lock.acquireExclusive('a', LONG_LEASE_MS);
  // A control lock with a longer lease than the first one: once it lapses, so would have 'a'.
  const control = new MembershipLock();
  await control.acquireExclusive('control', 80);
  t.is(await waitFor(() => control.heldBy === null, 5000, 5), true);
  t.is(lock.heldBy, 'a');
  lock.releaseExclusive('a');
});

// A reader woken by a release must be counted before a writer arriving in the same tick looks.
test('an operation woken by a release and a writer arriving at once never hold the lock together', async (t) => {
  const lock = new MembershipLock();
  await lock.acquireExclusive('a', LONG_LEASE_MS);
  const reader = track(lock.acquireShared());
  lock.releaseExclusive('a');
  const writer = track(lock.acquireExclusive('b', LONG_LEASE_MS));
  await settle();
  t.false(reader.done() && writer.done(), 'a shared and an exclusive holder at the same time');
  if (reader.done()) (await reader.promise)();
  await writer.promise;
  t.is(lock.heldBy, 'b', 'the writer never got the lock once the operation ended');
  lock.releaseExclusive('b');
});

// The lease runs while a writer waits for operations to drain; if it lapses, the writer must not proceed.
test('a writer whose lease lapses while operations drain is refused rather than let in', async (t) => {
  const lock = new MembershipLock();
  const operation = await lock.acquireShared();
  const outcome = lock.acquireExclusive('slow', 40).then(() => 'resolved' as const, (err: unknown) => err as { code?: string });
  t.is(await waitFor(() => lock.heldBy === null, 5000, 5), true, 'the lease never lapsed');
  operation();
  const result = await outcome;
  if (result === 'resolved') t.is(lock.heldBy, 'slow', 'acquireExclusive resolved without holding the lock');
  else t.is(result.code, 'RING_CHANGING');
});

// A change that renews its hold after the lease ran out must not go on as if it had held the
// lock throughout: operations (or another change) may have run in the gap.
test('renewing a lapsed hold is refused, even when the lock is free; a live hold is extended', async (t) => {
  const lock = new MembershipLock();
  await lock.acquireExclusive('a', 40);
  lock.renewExclusive('a', LONG_LEASE_MS);
  t.is(lock.heldBy, 'a');
  t.true(lock.releaseExclusive('a'));

  await lock.acquireExclusive('lapsing', 40);
  t.is(await waitFor(() => lock.heldBy === null, 5000, 5), true, 'the lease never lapsed');
  t.throws(() => lock.renewExclusive('lapsing', LONG_LEASE_MS), { message: /lapsed/ });
  t.is(lock.heldBy, null, 'a refused renewal took the lock');

  await lock.acquireExclusive('other', LONG_LEASE_MS);
  t.throws(() => lock.renewExclusive('lapsing', LONG_LEASE_MS), { message: /lapsed/ });
  t.is(lock.heldBy, 'other');
  lock.releaseExclusive('other');
});
