/**
 * The linearizability checker on hand-written histories (each a known pattern, valid or not), on
 * generated valid histories, against an exhaustive search on tiny ones, and on the witness it gives.
 */
import test from 'ava';
import { checkHistory, checkKey, describe, type KeyVerdict } from '../../torture/checker.js';
import type { Operation } from '../../torture/history.js';
import { history, mulberry32, simulate, type Row } from '../helpers/register-history.js';

const ids = (verdict: KeyVerdict) => (verdict.witness ?? []).map((op) => op.id).sort((a, b) => a - b);

const valid: [name: string, rows: Row[]][] = [
  ['a sequential history', [[1, 'write', 'a', 0, 1], [2, 'read', 'a', 2, 3], [1, 'write', 'b', 4, 5], [2, 'read', 'b', 6, 7], [1, 'delete', null, 8, 9], [2, 'read', null, 10, 11]]],
  ['concurrent writes, the later invoked read first', [[1, 'write', 'a', 0, 10], [2, 'write', 'b', 1, 10], [3, 'read', 'b', 11, 12], [3, 'read', 'b', 13, 14]]],
  ['concurrent writes, the earlier invoked read first', [[1, 'write', 'a', 0, 10], [2, 'write', 'b', 1, 10], [3, 'read', 'a', 11, 12]]],
  ['a read overlapping a write sees the old value', [[1, 'write', 'a', 0, 1], [1, 'write', 'b', 2, 10], [2, 'read', 'a', 3, 4]]],
  ['a read overlapping a write sees the new value', [[1, 'write', 'a', 0, 1], [1, 'write', 'b', 2, 10], [2, 'read', 'b', 3, 4], [2, 'read', 'b', 5, 6]]],
  ['an unknown write that took effect long after it was given up', [[1, 'write', 'a', 0, 1], [2, 'write', 'b', 2, null, 'unknown'], [3, 'read', 'a', 20, 21], [3, 'read', 'b', 30, 31]]],
  ['an unknown write that never took effect', [[1, 'write', 'a', 0, 1], [2, 'write', 'b', 2, null, 'unknown'], [3, 'read', 'a', 20, 21], [3, 'read', 'a', 30, 31]]],
  ['a delete, then reads of null', [[1, 'write', 'a', 0, 1], [1, 'delete', null, 2, 3], [2, 'read', null, 4, 5], [3, 'read', null, 6, 7]]],
  ['touching intervals count as concurrent', [[1, 'write', 'a', 0, 5], [2, 'read', null, 5, 6]]],
  ['a failed read and an unknown read say nothing', [[1, 'write', 'a', 0, 1], [2, 'read', 'zz', 2, 3, 'fail'], [2, 'read', null, 4, null, 'unknown']]],
  ['a repeated value read after the second write of it', [[1, 'write', 'x', 0, 1], [1, 'write', 'y', 2, 3], [2, 'write', 'x', 4, null, 'unknown'], [3, 'read', 'x', 5, 6]]],
];
for (const [name, rows] of valid) {
  test(`linearizable: ${name}`, (t) => {
    const verdict = checkKey(history(...rows));
    t.true(verdict.linearizable, verdict.explanation);
    t.is(verdict.witness, undefined);
  });
}

const invalid: [name: string, rows: Row[], witness: number[]][] = [
  ['a stale read after an acknowledged overwrite', [[1, 'write', 'a', 0, 1], [1, 'write', 'b', 2, 3], [2, 'read', 'a', 4, 5]], [0, 1, 2]],
  ['a lost write: every later read sees the value before it', [[1, 'write', 'a', 0, 1], [1, 'write', 'b', 2, 3], [2, 'read', 'a', 4, 5], [3, 'read', 'a', 6, 7]], [0, 1, 2]],
  ['a read of something after an acknowledged delete', [[1, 'write', 'a', 0, 1], [1, 'delete', null, 2, 3], [2, 'read', 'a', 4, 5]], [0, 1, 2]],
  ['two readers see two sequential writes in opposite orders', [[1, 'write', 'a', 0, 1], [1, 'write', 'b', 2, 10], [2, 'read', 'b', 3, 4], [3, 'read', 'a', 5, 6]], [0, 1, 2, 3]],
  ['an unknown write seen, then the value it overwrote', [[1, 'write', 'a', 0, 1], [2, 'write', 'b', 2, null, 'unknown'], [3, 'read', 'b', 5, 6], [3, 'read', 'a', 7, 8]], [0, 1, 2, 3]],
  ['a read of the repeated value with no write of it left to take effect', [[1, 'write', 'x', 0, 1], [1, 'write', 'y', 2, 3], [1, 'write', 'x', 4, 5, 'fail'], [3, 'read', 'x', 6, 7]], [0, 1, 3]],
];
for (const [name, rows, witness] of invalid) {
  test(`not linearizable: ${name}`, (t) => {
    const verdict = checkKey(history(...rows));
    t.false(verdict.linearizable);
    t.falsy(verdict.timedOut);
    t.deepEqual(ids(verdict), witness);
    t.regex(verdict.explanation ?? '', /^no order of these \d+ operations explains the read of "k"/);
  });
}

test('not linearizable: a read of a value never written', (t) => {
  const verdict = checkKey(history([1, 'write', 'a', 0, 1], [2, 'read', 'zz', 2, 3]));
  t.false(verdict.linearizable);
  t.deepEqual(ids(verdict), [1]);
  t.regex(verdict.explanation ?? '', /returned a value no write of the key wrote/);
});

test('not linearizable: the value of a write that failed definitely is read later', (t) => {
  const verdict = checkKey(history([1, 'write', 'a', 0, 1], [1, 'write', 'b', 2, 3, 'fail'], [2, 'read', 'b', 4, 5]));
  t.false(verdict.linearizable);
  t.deepEqual(ids(verdict), [1, 2]);
  t.regex(verdict.explanation ?? '', /returned a value only a failed write wrote/);
});

test('a history checks key by key, and describe names the violation with times from the first invocation', (t) => {
  const verdict = checkHistory(history(
    [1, 'write', 'a', 100, 101, 'ok', 'k1'], [2, 'write', 'x', 100.5, 102, 'ok', 'k2'], [1, 'write', 'b', 102, 103, 'ok', 'k1'],
    [3, 'read', 'a', 220.4, 231, 'ok', 'k1'], [3, 'read', 'x', 240, 241, 'ok', 'k2'],
  ));
  t.false(verdict.linearizable);
  t.deepEqual(verdict.violations.map((k) => k.key), ['k1']);
  t.deepEqual(verdict.keys.map((k) => [k.key, k.linearizable, k.operations]), [['k1', false, 3], ['k2', true, 2]]);
  t.deepEqual(describe(verdict), [
    'NOT linearizable: 2 keys, 5 operations; 1 keys not linearizable, 0 undecided',
    'key "k1": not linearizable: no order of these 3 operations explains the read of "k1" by p3 at 120.4 ms–131.0 ms returning "a"; ' +
      'it began after the write of "b" had completed at 3.0 ms',
    '  p1 write k1 "a" [0.0 ms, 1.0 ms]',
    '  p1 write k1 "b" [2.0 ms, 3.0 ms]',
    '  p3 read k1 -> "a" [120.4 ms, 131.0 ms]',
  ]);
});

test('generated histories of a real register with unknown and failed operations are linearizable', (t) => {
  for (let seed = 1; seed <= 20; seed++) {
    const ops = simulate({ seed, operations: 1000, processes: 8, keys: ['a', 'b', 'c'], failRate: 0.05, unknownRate: 0.1 });
    const verdict = checkHistory(ops);
    t.true(verdict.linearizable, `seed ${seed}: ${describe(verdict).slice(0, 3).join(' / ')}`);
  }
});

test('a generated history of 20,000 operations by 16 clients on one key is linearizable', (t) => {
  const ops = simulate({ seed: 42, operations: 20_000, processes: 16, failRate: 0.05, unknownRate: 0.05 });
  const started = performance.now();
  const verdict = checkHistory(ops);
  t.log(`checked in ${(performance.now() - started).toFixed(0)} ms, ${verdict.keys[0].searchedStates} states`);
  t.true(verdict.linearizable);
  t.deepEqual(verdict.timedOut, []);
});

test('a stale read planted in 2,000 valid operations gets a witness of a handful of operations, itself not linearizable', (t) => {
  const ops = simulate({ seed: 3, operations: 2000, processes: 16, failRate: 0.05, unknownRate: 0.05 });
  const read = ops.find((op, index) => index > 1500 && op.kind === 'read' && op.outcome === 'ok') as Operation;
  const before = ops.filter((op) => op.kind === 'write' && op.outcome === 'ok' && (op.complete ?? Infinity) < read.invoke);
  const overwrite = before[before.length - 1];
  const old = [...before].reverse().find((op) => (op.complete ?? Infinity) < overwrite.invoke) as Operation;
  const planted = ops.map((op) => (op === read ? { ...op, value: old.value } : op));

  const verdict = checkKey(planted);
  t.false(verdict.linearizable);
  const witness = verdict.witness ?? [];
  t.true(witness.length <= 5, `witness of ${witness.length}`);
  t.true(witness.some((op) => op.id === read.id));
  t.false(checkKey(witness).linearizable);
  t.regex(verdict.explanation ?? '', new RegExp(`by p${read.process} .* returning "${old.value}"`));
});

test('a search past its budget is reported as timed out, neither linearizable nor a violation', (t) => {
  const ops = simulate({ seed: 5, operations: 5000, processes: 16 });
  const verdict = checkHistory(ops, { budgetMs: 0 });
  t.false(verdict.linearizable);
  t.deepEqual(verdict.timedOut.map((k) => k.key), ['k']);
  t.deepEqual(verdict.violations, []);
  t.regex(describe(verdict)[1], /^key "k": undecided/);
});

/** Every order of the operations that respects real time, with unknown ones in or out: tiny histories only. */
function exhaustive(ops: readonly Operation[]): boolean {
  const used = ops.filter((op) => op.outcome !== 'fail' && !(op.kind === 'read' && op.outcome !== 'ok'));
  const placed = used.map(() => false);
  const search = (state: string | null): boolean => {
    if (used.every((op, i) => placed[i] || op.outcome !== 'ok')) return true;
    return used.some((op, i) => {
      if (placed[i] || (op.kind === 'read' && op.value !== state)) return false;
      if (used.some((other, j) => !placed[j] && j !== i && other.outcome === 'ok' && (other.complete ?? Infinity) < op.invoke)) return false;
      placed[i] = true;
      const found = search(op.kind === 'read' ? state : op.kind === 'write' ? op.value : null);
      placed[i] = false;
      return found;
    });
  };
  return search(null);
}

test('agrees with an exhaustive search on thousands of tiny random histories with repeated values', (t) => {
  const random = mulberry32(11);
  const pick = <T>(choices: readonly T[]) => choices[Math.floor(random() * choices.length)];
  let violations = 0;
  for (let n = 0; n < 3000; n++) {
    const rows: Row[] = Array.from({ length: 1 + Math.floor(random() * 7) }, (_, process): Row => {
      const invoke = Math.floor(random() * 10);
      const kind = pick(['read', 'read', 'write', 'write', 'delete'] as const);
      const outcome = pick(['ok', 'ok', 'ok', 'ok', 'unknown', 'fail'] as const);
      const value = kind === 'write' ? pick(['a', 'b', 'c']) : kind === 'read' ? pick([null, 'a', 'b', 'c']) : null;
      return [process, kind, value, invoke, outcome === 'unknown' ? null : invoke + Math.floor(random() * 6), outcome];
    }).sort((a, b) => a[3] - b[3]);
    const ops = history(...rows);
    const verdict = checkKey(ops);
    t.is(verdict.linearizable, exhaustive(ops), JSON.stringify(rows));
    if (!verdict.linearizable) {
      violations++;
      t.false(exhaustive(verdict.witness ?? []), `witness of ${JSON.stringify(rows)}`);
    }
  }
  t.true(violations > 300, `only ${violations} of the histories were violations`);
});
