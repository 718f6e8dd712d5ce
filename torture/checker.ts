/**
 * The linearizability checker for a torture history: every key is a read/write register that
 * starts absent; a write sets its value, a delete makes it absent again, a read returns the value
 * (null when absent).
 *
 * Keys are checked one by one: linearizability is local (Herlihy & Wing), so a history is
 * linearizable exactly when the history of every key is.
 *
 * What an outcome means:
 * - `ok`: took effect once, somewhere between invoke and complete;
 * - `fail`: never took effect, and is left out (a failed read tells nothing either);
 * - `unknown` write or delete: may have taken effect at any time after invoke, or never;
 * - `unknown` read: tells nothing, left out.
 * Intervals that touch (one completes at the very time another is invoked) count as concurrent.
 *
 * A key's history is searched with WGL (wgl.ts) within a time budget; past it the key is reported
 * as timed out, neither linearizable nor not. A read of a value no write of the key wrote is
 * reported as such without a search. For a violation, the witness is a small sub-history that is
 * itself not linearizable (witness.ts), and the explanation names the read no order explains.
 * Write values are assumed unique per key only to go faster (register.ts), never for the answer.
 */
import type { Operation } from './history.js';
import { checkRegister, relevant } from './register.js';
import { shrink } from './witness.js';

export interface KeyVerdict {
  readonly key: string;
  /** False both for a violation and for a search that ran out of time (then `timedOut`). */
  readonly linearizable: boolean;
  /** All operations of the key in the history, including failed ones. */
  readonly operations: number;
  readonly searchedStates: number;
  readonly timedOut?: boolean;
  /** A sub-history that is not linearizable on its own, in invocation order. */
  readonly witness?: readonly Operation[];
  readonly explanation?: string;
}

export interface Verdict {
  /** Every key linearizable; false when a key is not, or could not be decided in time. */
  readonly linearizable: boolean;
  readonly keys: readonly KeyVerdict[];
  readonly violations: readonly KeyVerdict[];
  readonly timedOut: readonly KeyVerdict[];
  /** The first invocation time of the history: describe() gives times relative to it. */
  readonly origin: number;
}

export interface CheckOptions {
  /** Search time per key before giving up on it. */
  readonly budgetMs?: number;
  /** Time to which explanations are relative; the key's first invocation by default. */
  readonly origin?: number;
}

const DEFAULT_BUDGET_MS = 10_000;
/** Shrinking a witness is a courtesy: it gets a fraction of the budget and small trials. */
const SHRINK_SHARE = 0.2;
const STATES_PER_TRIAL = 20_000;

export function checkHistory(history: readonly Operation[], options: CheckOptions = {}): Verdict {
  const byKey = new Map<string, Operation[]>();
  for (const op of history) {
    const ops = byKey.get(op.key);
    if (ops) ops.push(op);
    else byKey.set(op.key, [op]);
  }
  const origin = options.origin ?? firstInvoke(history);
  const keys = [...byKey.values()].map((ops) => checkKey(ops, { ...options, origin }));
  return {
    linearizable: keys.every((k) => k.linearizable),
    keys,
    violations: keys.filter((k) => !k.linearizable && !k.timedOut),
    timedOut: keys.filter((k) => k.timedOut),
    origin: Number.isFinite(origin) ? origin : 0,
  };
}

/** Checks the operations of one key (all with the same `key`). */
export function checkKey(ops: readonly Operation[], options: CheckOptions = {}): KeyVerdict {
  const key = ops[0]?.key ?? '';
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const at = timeFormat(options.origin ?? firstInvoke(ops));
  const base = { key, operations: ops.length };
  const used = relevant(ops);

  const unwritten = neverWritten(ops, used);
  if (unwritten) {
    const { read, failedWrites } = unwritten;
    const why = failedWrites.length > 0 ? 'a value only a failed write wrote' : 'a value no write of the key wrote';
    const explanation = `${describeOp(read, at)} returned ${why}`;
    return { ...base, linearizable: false, searchedStates: 0, witness: sorted([read, ...failedWrites]), explanation };
  }

  const start = performance.now();
  const found = checkRegister(used, { deadline: start + budgetMs });
  if (found.result === 'linearizable') return { ...base, linearizable: true, searchedStates: found.states };
  if (found.result === 'timeout' || !found.failing) {
    return { ...base, linearizable: false, timedOut: true, searchedStates: found.states };
  }

  const shrinkBudget = Math.max(budgetMs * SHRINK_SHARE, 100);
  const witness = shrink(used, found.failing, { deadline: performance.now() + shrinkBudget, statesPerTrial: STATES_PER_TRIAL });
  // The shrunk witness may fail at another read than the whole history did: explain its own.
  const own = checkRegister(witness, { deadline: performance.now() + shrinkBudget });
  const read = own.failing ?? found.failing;
  return { ...base, linearizable: false, searchedStates: found.states, witness: sorted(witness), explanation: explain(read, witness, at) };
}

/** The first read (by completion) of a value that no `ok` or `unknown` write of the key wrote. */
function neverWritten(ops: readonly Operation[], used: readonly Operation[]) {
  const written = new Set(used.filter((op) => op.kind === 'write').map((op) => op.value));
  const reads = used.filter((op) => op.kind === 'read' && op.value !== null && !written.has(op.value));
  if (reads.length === 0) return undefined;
  const read = reads.reduce((a, b) => ((a.complete ?? Infinity) <= (b.complete ?? Infinity) ? a : b));
  const failedWrites = ops.filter((op) => op.kind === 'write' && op.outcome === 'fail' && op.value === read.value);
  return { read, failedWrites };
}

function explain(read: Operation, witness: readonly Operation[], at: (t: number | null) => string): string {
  let text = `no order of these ${witness.length} operations explains ${describeOp(read, at)} returning ${show(read.value)}`;
  const before = witness.filter((op) => op.kind !== 'read' && op.outcome === 'ok' && op.complete !== null && op.complete < read.invoke);
  const last = before.sort((a, b) => (a.complete ?? 0) - (b.complete ?? 0)).at(-1);
  if (last && (last.kind === 'delete' ? null : last.value) !== read.value) {
    const what = last.kind === 'delete' ? 'the delete' : `the write of ${show(last.value)}`;
    text += `; it began after ${what} had completed at ${at(last.complete)}`;
  }
  return text;
}

function describeOp(op: Operation, at: (t: number | null) => string): string {
  return `the ${op.kind} of ${show(op.key)} by p${op.process} at ${at(op.invoke)}–${at(op.complete)}`;
}

/** Human-readable lines: a summary, then each key that is not linearizable or was not decided. */
export function describe(verdict: Verdict): string[] {
  const at = timeFormat(verdict.origin);
  const operations = verdict.keys.reduce((sum, k) => sum + k.operations, 0);
  const lines = [
    `${verdict.linearizable ? 'linearizable' : 'NOT linearizable'}: ${verdict.keys.length} keys, ${operations} operations; ` +
      `${verdict.violations.length} keys not linearizable, ${verdict.timedOut.length} undecided`,
  ];
  for (const k of verdict.timedOut) {
    lines.push(`key ${show(k.key)}: undecided, the search stopped after ${k.searchedStates} states`);
  }
  for (const k of verdict.violations) {
    lines.push(`key ${show(k.key)}: not linearizable: ${k.explanation ?? ''}`);
    for (const op of k.witness ?? []) lines.push(`  ${formatOp(op, at)}`);
  }
  return lines;
}

/** E.g. `p3 read k1 -> "v7" [120.4 ms, 131.0 ms]`, `p1 write k1 "v2" [3.0 ms, ?] unknown`. */
export function formatOp(op: Operation, at: (t: number | null) => string): string {
  const what = op.kind === 'read' ? `read ${op.key} -> ${show(op.value)}` : op.kind === 'write' ? `write ${op.key} ${show(op.value)}` : `delete ${op.key}`;
  const outcome = op.outcome === 'ok' ? '' : ` ${op.outcome}${op.error ? ` (${op.error})` : ''}`;
  return `p${op.process} ${what} [${at(op.invoke)}, ${at(op.complete)}]${outcome}`;
}

export function timeFormat(origin: number): (t: number | null) => string {
  return (t) => (t === null ? '?' : `${(t - origin).toFixed(1)} ms`);
}

const firstInvoke = (ops: readonly Operation[]) => ops.reduce((min, op) => Math.min(min, op.invoke), Infinity);
const show = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
const sorted = (ops: readonly Operation[]) => [...ops].sort((a, b) => a.invoke - b.invoke || a.id - b.id);
