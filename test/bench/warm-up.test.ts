import test from 'ava';
import { keepWarming, warmBatch } from '../../bench/lib/warm-up.js';

const cases: [string, number[], boolean][] = [
  ['no batch yet', [], true],
  ['one batch: below the minimum of two', [900], true],
  ['still climbing by more than 10 %', [900, 1500], true],
  ['the cold ring measured on this machine: climbing', [932, 1518, 2201], true],
  ['then a batch slower than the best: steady', [932, 1518, 2201, 1788], false],
  ['within 10 % of the best: steady', [2000, 2150], false],
  ['exactly 10 % faster is not clearly faster', [2000, 2200], false],
  ['a yardstick steady at once', [3200, 3150], false],
  ['at the maximum, even if climbing', [100, 200, 400, 800, 1600, 3200, 6400, 12800], false],
];
for (const [name, throughputs, expected] of cases) {
  test(`keepWarming: ${name}`, (t) => {
    t.is(keepWarming(throughputs, 2, 8), expected);
  });
}

test('warmBatch: each endpoint gets its share, with a floor for setups of few endpoints', (t) => {
  t.is(warmBatch(10, 500, 2000), 5000);
  t.is(warmBatch(20, 500, 2000), 10000);
  t.is(warmBatch(3, 500, 2000), 2000);
  t.is(warmBatch(1, 500, 2000), 2000);
});
