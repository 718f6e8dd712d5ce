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
