import test from 'ava';
import { latencySummary, percentile, throughput } from '../../cli/stats.js';

const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose

const cases: [string, number[], number, number][] = [
  ['p50 of 1..100 is 50', hundred, 50, 50],
  ['p99 of 1..100 is 99', hundred, 99, 99],
  ['p100 is the maximum', hundred, 100, 100],
  ['p0 is the minimum', hundred, 0, 1],
  ['a single value is every percentile', [7], 99, 7],
  ['nearest rank never interpolates', [1, 10], 50, 1],
  ['p99 of two values is the larger', [1, 10], 99, 10],
  ['duplicates count once each', [5, 5, 5, 9], 75, 5],
];

for (const [title, values, p, expected] of cases) {
  test(`percentile: ${title}`, (t) => {
    t.is(percentile(values, p), expected);
  });
}

test('percentile does not reorder its input', (t) => {
  const values = [3, 1, 2];
  percentile(values, 50);
  t.deepEqual(values, [3, 1, 2]);
});

test('percentile of no values is NaN; outside 0–100 is a RangeError', (t) => {
  t.true(Number.isNaN(percentile([], 50)));
  t.throws(() => percentile([1], 101), { instanceOf: RangeError });
  t.throws(() => percentile([1], -1), { instanceOf: RangeError });
  t.throws(() => percentile([1], NaN), { instanceOf: RangeError });
});

test('latencySummary rounds to hundredths and is all zeros for no values', (t) => {
  t.deepEqual(latencySummary([1.234, 2.345, 10.5]), { p50: 2.35, p90: 10.5, p99: 10.5, max: 10.5, mean: 4.69 });
  t.deepEqual(latencySummary([]), { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
});

test('throughput is requests per second and 0 rather than Infinity for an empty run', (t) => {
  t.is(throughput(500, 2), 250);
  t.is(throughput(1, 3), 0.3);
  t.is(throughput(0, 0), 0);
  t.is(throughput(5, 0), 0);
});
