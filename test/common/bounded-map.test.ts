import test from 'ava';
import { BoundedMap } from '../../common/bounded-map.js';

test('a BoundedMap forgets its oldest entries beyond its size, and setting a key again makes it the newest', (t) => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1);
  map.set('b', 2);
  map.set('a', 3);
  map.set('c', 4);
  t.deepEqual([map.get('a'), map.get('b'), map.get('c'), map.size], [3, undefined, 4, 2]);
  map.delete('a');
  t.false(map.has('a'));
  t.is(map.size, 1);
});

/** The same behaviour as a plain list, the oldest first. */
class ListModel {
  readonly list: [string, number][] = [];
  constructor(private readonly max: number) {}
  set(key: string, value: number): void {
    this.delete(key);
    this.list.push([key, value]);
    if (this.list.length > this.max) this.list.shift();
  }
  delete(key: string): void {
    const at = this.list.findIndex(([k]) => k === key);
    if (at >= 0) this.list.splice(at, 1);
  }
}

test('a BoundedMap keeps the newest entries in order through many turnovers, re-sets and deletes', (t) => {
  const map = new BoundedMap<string, number>(50);
  const model = new ListModel(50);
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
  for (let i = 0; i < 20_000; i++) {
    const key = `k${random(120)}`;
    if (random(10) === 0) {
      map.delete(key);
      model.delete(key);
    } else {
      map.set(key, i);
      model.set(key, i);
    }
    if (i % 997 === 0) t.deepEqual([...map], model.list, `after operation ${i}`);
  }
  t.deepEqual([...map], model.list);
});

/** CPU time of `sets` new keys set into `map`, in ns per set. */
function setCost(map: BoundedMap<string, number>, first: number, sets: number): number {
  const started = process.cpuUsage();
  for (let i = first; i < first + sets; i++) map.set(`id-${i}`, i);
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / sets;
}

test('forgetting the oldest costs no more once a BoundedMap has turned over many times', (t) => {
  // A fresh iterator per eviction stepped over every slot deleted since V8 last rehashed the
  // map: after a few turnovers of 20,000 entries a set cost tens of times what it did while
  // the map filled. A ratio within one run, not a speed: the best of three maps for each.
  const max = 20_000;
  const filling: number[] = [];
  const turnedOver: number[] = [];
  for (let trial = 0; trial < 3; trial++) {
    const map = new BoundedMap<string, number>(max);
    filling.push(setCost(map, 0, max));
    setCost(map, max, 3 * max);
    turnedOver.push(setCost(map, 4 * max, max));
  }
  const ratio = Math.min(...turnedOver) / Math.min(...filling);
  t.true(ratio < 8, `a set cost ${ratio.toFixed(1)}× as much after the map turned over as while it filled`);
});
