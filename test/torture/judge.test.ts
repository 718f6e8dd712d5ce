/** The loss and staleness rules of a torture run, on hand-made histories. */
import test from 'ava';
import type { Operation, OpKind, Outcome } from '../../torture/history.js';
import { allowedFinals, staleness, valuesOf } from '../../torture/judge.js';

let nextId = 0;
function op(kind: OpKind, value: string | null, invoke: number, complete: number | null, outcome: Outcome = 'ok'): Operation {
  return { id: nextId++, process: nextId, key: 'k', kind, value, invoke, complete, outcome };
}

test('the final value may be the last acknowledged update or one concurrent with it, never one replaced for good', (t) => {
  const history = [op('write', 'a', 0, 1), op('write', 'b', 2, 5), op('write', 'c', 3, 4)];
  t.deepEqual(allowedFinals(history), new Set(['b', 'c']));
  t.deepEqual(allowedFinals([...history, op('delete', null, 6, 7)]), new Set([null]));
});

test('an update of unknown outcome may have landed at any time, so its value stays allowed', (t) => {
  const history = [op('write', 'a', 0, null, 'unknown'), op('write', 'b', 2, 3)];
  t.deepEqual(allowedFinals(history), new Set(['a', 'b']));
  t.deepEqual(allowedFinals([op('write', 'x', 0, 1, 'fail')]), new Set([null]), 'a failed write never counts');
});

test('a read is stale only when every update that could have produced its value was replaced before it began', (t) => {
  const base = [op('write', 'a', 0, 1), op('write', 'b', 2, 3)];
  t.deepEqual(staleness([...base, op('read', 'a', 4, 5)]), { reads: 1, stale: 1 });
  t.deepEqual(staleness([...base, op('read', 'a', 2.5, 5)]), { reads: 1, stale: 0 }, 'overlaps the write of b');
  t.deepEqual(staleness([...base, op('read', null, 4, 5)]), { reads: 1, stale: 1 }, 'the initial absence was replaced');
  t.deepEqual(staleness([...base, op('read', null, 4, 5), op('delete', null, 6, 7)]), { reads: 1, stale: 1 }, 'a delete after the read cannot explain it');
  t.deepEqual(staleness([...base, op('delete', null, 3.5, 4.5), op('read', null, 4, 5)]), { reads: 1, stale: 0 });
});

test('a quorum read that answered siblings is stale when any sibling was replaced for good, and each must be an allowed final', (t) => {
  const concurrent = [op('write', 'a', 0, 3), op('write', 'b', 1, 2)];
  const read = (siblings: string[], invoke: number, complete: number): Operation => ({ ...op('read', siblings[0], invoke, complete), siblings });
  t.deepEqual(staleness([...concurrent, read(['a', 'b'], 4, 5)]), { reads: 1, stale: 0 }, 'two concurrent writes: both may be siblings');
  const replaced = [...concurrent, op('write', 'c', 6, 7)];
  t.deepEqual(staleness([...replaced, read(['a', 'c'], 8, 9)]), { reads: 1, stale: 1 }, 'a was replaced by c, which began after a completed');
  const allowed = allowedFinals(replaced);
  t.deepEqual(allowed, new Set(['c']));
  t.false(valuesOf(read(['a', 'c'], 8, 9)).every((v) => allowed.has(v)));
});
