/**
 * From recorded operations of one key to the search's register operations: what each outcome
 * means, and two simplifications that keep the search small without changing the answer.
 */
import type { Operation } from './history.js';
import { searchRegister, type RegisterOp, type SearchLimits } from './wgl.js';

export interface RegisterCheck {
  readonly result: 'linearizable' | 'violation' | 'timeout';
  readonly states: number;
  /** On a violation: the first read whose return no order of the operations before it explains. */
  readonly failing?: Operation;
}

/**
 * The operations that constrain the register: `fail` operations never took effect, and a read
 * that did not answer says nothing. What remains is required (`ok`, must take effect within its
 * interval) or optional (`unknown` write or delete, or an `ok` one with no completion time).
 */
export function relevant(ops: readonly Operation[]): Operation[] {
  return ops.filter((op) => op.outcome !== 'fail' && !(op.kind === 'read' && (op.outcome !== 'ok' || op.complete === null)));
}

export function isOptional(op: Operation): boolean {
  return op.outcome !== 'ok' || op.complete === null;
}

/**
 * Whether the operations of one key, already filtered by `relevant`, form a linearizable register
 * history. Operations answering after `horizon` count as optional: the history as it stood then.
 */
export function checkRegister(ops: readonly Operation[], limits: SearchLimits, horizon = Infinity): RegisterCheck {
  const { prepared, source } = prepare(ops, horizon);
  const found = searchRegister(prepared, limits);
  return { result: found.result, states: found.states, failing: found.failing === undefined ? undefined : source[found.failing] };
}

function prepare(ops: readonly Operation[], horizon: number): { prepared: RegisterOp[]; source: Operation[] } {
  const ids = new Map<string | null, number>([[null, 0]]);
  const intern = (value: string | null) => {
    let id = ids.get(value);
    if (id === undefined) ids.set(value, (id = ids.size));
    return id;
  };
  const valueOf = (op: Operation) => (op.kind === 'delete' ? 0 : intern(op.value));
  const writers = new Map<number, number>();
  /** Completion times of the reads of each value, ascending. */
  const readsOf = new Map<number, number[]>();
  for (const op of ops) {
    const value = valueOf(op);
    if (op.kind !== 'read') writers.set(value, (writers.get(value) ?? 0) + 1);
    else if (readsOf.has(value)) readsOf.get(value)?.push(op.complete ?? Infinity);
    else readsOf.set(value, [op.complete ?? Infinity]);
  }
  for (const times of readsOf.values()) times.sort((a, b) => a - b);

  const prepared: RegisterOp[] = [];
  const source: Operation[] = [];
  for (const op of ops) {
    const value = valueOf(op);
    let complete = op.complete ?? Infinity;
    if (isOptional(op) || complete > horizon) {
      complete = Infinity;
      const firstRead = firstAtOrAfter(readsOf.get(value) ?? [], op.invoke);
      // An optional write no later read saw can be left out: had it taken effect, no read came
      // before the next write, so the order without it explains every read just as well.
      if (firstRead === undefined) continue;
      // Its value read, and no other write wrote that value: it must have taken effect before
      // that read answered. This makes it required, which spares the search most of its choices.
      if (value !== 0 && writers.get(value) === 1) complete = firstRead;
    }
    prepared.push({ kind: op.kind, value, invoke: op.invoke, complete });
    source.push(op);
  }
  return { prepared, source };
}

function firstAtOrAfter(sorted: readonly number[], time: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < time) lo = mid + 1;
    else hi = mid;
  }
  return sorted[lo];
}
