/**
 * The linearizability search for one read/write register: Wing & Gong's algorithm with Lowe's
 * just-in-time linearization and memoization (the "WGL" of Knossos and Porcupine), plus two rules
 * that only a register allows and that keep 16 concurrent clients from blowing it up.
 *
 * The history is a list of call and return events in time order (event-list.ts). A node of the
 * search is the set of operations linearized so far and the register's value; the operations
 * that may take effect next are those whose call precedes the first return left in the list.
 * The search takes one, lifts it out of the list, and goes on; when a node has nothing left to
 * try, it backtracks. A (set, value) state seen before is not explored again (memo.ts).
 *
 * Register rules, each keeping at least one valid order if any exists:
 * - A pending read that sees the current value is taken alone: in any valid order from here it
 *   can be moved to the front (nothing pending must precede it, and it changes nothing).
 * - A write no remaining read returns ("unreadable": with unique values, one nobody saw, or whose
 *   readers are all placed) is never the current value when a read happens, so it can sit right
 *   before the next write taken. Such pending writes are lifted together with that next write
 *   instead of being tried one by one, which is where the search would otherwise spend its time:
 *   every subset of the overwritten writes of the window is a different state.
 * So the choices at a node are the pending writes and deletes someone may still read, and the
 * operation whose return comes first when it is a write or delete (it may be the last one).
 *
 * Optional operations (unknown outcome) have no return event: nothing forces them in, so the
 * history is linearizable as soon as every required operation is linearized.
 */
import { END, EventList } from './event-list.js';
import type { OpKind } from './history.js';
import { Memo } from './memo.js';

export interface RegisterOp {
  readonly kind: OpKind;
  /** The value written or read, interned as a small integer; 0 is "absent". */
  readonly value: number;
  readonly invoke: number;
  /** Infinity for an optional operation: it may take effect at any time after its invocation, or never. */
  readonly complete: number;
}

export interface SearchLimits {
  /** performance.now() after which the search gives up. */
  readonly deadline: number;
  readonly maxStates?: number;
}

export interface SearchResult {
  readonly result: 'linearizable' | 'violation' | 'timeout';
  /** Distinct (linearized set, value) states visited. */
  readonly states: number;
  /**
   * On a violation: the index of the operation whose return no order got past. Every order that
   * got as far as it failed there, so the operations returning before it are linearizable on
   * their own: this is the first return that cannot be explained.
   */
  readonly failing?: number;
}

/** A node: the register's value, the operations to try from here, and the one taken now. */
interface Frame {
  readonly state: number;
  readonly candidates: readonly number[];
  /** Pending unreadable writes and deletes, lifted along with whatever write is taken. */
  readonly absorbed: readonly number[];
  /** Event index of the first return left in the list. */
  readonly firstReturn: number;
  tried: number;
  /** The operations lifted for the candidate taken now, in lifting order. */
  lifted: number[];
}

export function searchRegister(ops: readonly RegisterOp[], limits: SearchLimits): SearchResult {
  const list = new EventList(ops);
  const memo = new Memo(ops.length);
  const maxStates = limits.maxStates ?? Infinity;
  const effect = (i: number) => (ops[i].kind === 'delete' ? 0 : ops[i].value);
  const unreadReads = new Int32Array(ops.reduce((max, op) => Math.max(max, op.value), 0) + 1);
  for (const op of ops) if (op.kind === 'read') unreadReads[op.value]++;
  let required = ops.filter((op) => op.complete !== Infinity).length;
  if (required === 0) return { result: 'linearizable', states: 0 };

  const frame = (state: number): Frame => {
    const candidates: number[] = [];
    const absorbed: number[] = [];
    const pendingReads = new Set<number>();
    let e = list.next[0];
    for (; e !== END && list.isCall[e]; e = list.next[e]) {
      const i = list.opOf[e];
      if (ops[i].kind === 'read') {
        if (ops[i].value === state) return { state, candidates: [i], absorbed: [], firstReturn: e, tried: 0, lifted: [] };
        pendingReads.add(ops[i].value);
      } else if (unreadReads[effect(i)] > 0) {
        candidates.push(i);
      } else {
        absorbed.push(i);
      }
    }
    // The search stops once no required operation is left, so e is a return.
    const first = list.opOf[e];
    if (ops[first].kind !== 'read' && unreadReads[effect(first)] === 0) candidates.push(first);
    // Only the order of trying: first what the first returning read needs, then what some pending read needs.
    const rank = (i: number) => (ops[first].kind === 'read' && effect(i) === ops[first].value ? 0 : pendingReads.has(effect(i)) ? 1 : 2);
    candidates.sort((a, b) => rank(a) - rank(b));
    return { state, candidates, absorbed, firstReturn: e, tried: 0, lifted: [] };
  };

  const lift = (i: number) => {
    memo.flip(i);
    if (list.unlink(i)) required--;
    if (ops[i].kind === 'read') unreadReads[ops[i].value]--;
  };
  const unlift = (top: Frame) => {
    for (let k = top.lifted.length - 1; k >= 0; k--) {
      const i = top.lifted[k];
      memo.flip(i);
      if (list.relink(i)) required++;
      if (ops[i].kind === 'read') unreadReads[ops[i].value]++;
    }
    top.lifted = [];
  };

  const frames: Frame[] = [frame(0)];
  let furthestFailure = 0;
  let steps = 0;
  for (;;) {
    if ((++steps & 1023) === 0 && (performance.now() > limits.deadline || memo.size > maxStates)) {
      return { result: 'timeout', states: memo.size };
    }
    const top = frames[frames.length - 1];
    unlift(top);
    const i = top.candidates[top.tried++];
    if (i === undefined) {
      furthestFailure = Math.max(furthestFailure, top.firstReturn);
      frames.pop();
      if (frames.length === 0) return { result: 'violation', states: memo.size, failing: list.opOf[furthestFailure] };
      continue;
    }
    top.lifted = ops[i].kind === 'read' ? [i] : [...top.absorbed.filter((j) => j !== i), i];
    top.lifted.forEach(lift);
    const after = ops[i].kind === 'read' ? top.state : effect(i);
    if (!memo.record(after)) continue;
    if (required === 0) return { result: 'linearizable', states: memo.size };
    frames.push(frame(after));
  }
}
