import test from 'ava';
import { SimClock } from '../../sim/clock.js';
import { TimerHeap, type HeapTimer } from '../../sim/timer-heap.js';
import { percentile, summarize } from '../../sim/stats.js';
import { RingTruth } from '../../sim/truth.js';

test.serial('the simulated clock fires timers in time order, moves Date.now, and honours clearTimeout', async (t) => {
  const clock = new SimClock(1_000);
  clock.install();
  const fired: string[] = [];
  try {
    setTimeout(() => fired.push(`b@${Date.now()}`), 200);
    setTimeout(() => fired.push(`a@${Date.now()}`), 100);
    const cleared = setTimeout(() => fired.push('never'), 150);
    clearTimeout(cleared);
    setImmediate(() => fired.push(`now@${Date.now()}`));
    const interval = setInterval(() => fired.push(`tick@${Date.now()}`), 120);
    await clock.runFor(250);
    clearInterval(interval);
    await clock.runFor(1_000);
    t.deepEqual(fired, ['now@1000', 'a@1100', 'tick@1120', 'b@1200', 'tick@1240']);
    t.is(Date.now(), 2_250);
    const slept = clock.run(new Promise((resolve) => setTimeout(() => resolve('woke'), 60_000)));
    t.is(await slept, 'woke');
    await t.throwsAsync(clock.run(new Promise(() => undefined)), { message: /nothing is scheduled/ });
  } finally {
    clock.uninstall();
  }
  t.true(Date.now() > 1_000_000_000_000, 'the real clock is back');
});

test('the timer heap pops earliest first, ties in the order set, and removes from the middle', (t) => {
  const heap = new TimerHeap<HeapTimer & { name: string }>();
  const timers = [[5, 'e'], [1, 'a'], [3, 'c'], [3, 'd'], [2, 'b'], [4, 'x']].map(([at, name], seq) => ({ at: at as number, seq, slot: -1, name: name as string }));
  timers.forEach((timer) => heap.push(timer));
  heap.remove(timers[5]);
  heap.remove(timers[5]);
  const order: string[] = [];
  for (let timer = heap.pop(); timer; timer = heap.pop()) order.push(timer.name);
  t.deepEqual(order, ['a', 'b', 'c', 'd', 'e']);
});

for (const [samples, q, expected] of [
  [[], 50, NaN], [[7], 1, 7], [[1, 2, 3, 4], 50, 2], [[1, 2, 3, 4], 99, 4], [[1, 2, 3, 4], 1, 1], [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
] as [number[], number, number][]) {
  test(`percentile ${q} of [${samples.length > 5 ? `1…${samples.length}` : samples.join(', ')}] is ${expected}`, (t) => {
    t.is(percentile(samples, q), expected);
  });
}

test('summarize gives mean, percentiles and max', (t) => {
  t.like(summarize([4, 1, 3, 2]), { count: 4, mean: 2.5, p1: 1, p50: 2, p99: 4, max: 4 });
});

test('the correct ring names owners, replicas and fingers on the paper\'s m = 6 example ids, wrapping round', (t) => {
  const ring = new RingTruth([1n, 8n, 14n, 21n, 32n, 38n, 42n, 48n, 51n, 56n].map((id) => ({ id, address: `n${id}` })));
  for (const [id, owner] of [[10n, 'n14'], [24n, 'n32'], [54n, 'n56'], [57n, 'n1'], [1n, 'n1'], [0n, 'n1']] as const) {
    t.is(ring.successor(id).address, owner, `owner of ${id}`);
  }
  t.deepEqual(ring.replicas(54n, 3).map((m) => m.address), ['n56', 'n1', 'n8']);
  // The paper's Fig. 3(a): N8's fingers 8+1, +2, +4, +8, +16, +32.
  t.deepEqual(ring.fingers(8n).slice(0, 6).map((m) => m?.address), ['n14', 'n14', 'n14', 'n21', 'n32', 'n42']);
});
