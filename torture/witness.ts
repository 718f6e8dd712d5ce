/**
 * A small non-linearizable sub-history, found by shrinking a violation.
 *
 * Not every sub-history proves anything: leaving out a write can itself make reads unexplainable.
 * Shrinking only removes what cannot create a violation: any read, and a write or delete w that no
 * remaining read can have seen. A read r can have seen w only if it returned w's value and ended
 * after w began; for a delete, also only if no remaining write or delete both began after w ended
 * and ended before r began (that one sits between them in every order). Writes are not shielded
 * so: a witness should show the write a stale read saw, not only that nothing explains it. In a valid order of the larger history, nothing then reads w
 * before the next write, so the order without w is valid too: a linearizable history stays
 * linearizable under every removal, and a sub-history that is still not linearizable is proof.
 */
import type { Operation } from './history.js';
import { checkRegister } from './register.js';

export interface ShrinkLimits {
  /** performance.now() after which shrinking stops with what it has. */
  readonly deadline: number;
  /** States allowed to each trial search; a trial that runs out keeps the operations. */
  readonly statesPerTrial: number;
}

/**
 * Shrinks the operations that could bear on the failing read (those invoked by the time it
 * answered), always keeping it. First a time window ending at the read, widened until it is
 * still violated, so that trials stay small; then by chunks, halving down to single operations,
 * until no removal keeps a violation. Trials treat operations answering after the failing read
 * as optional (they may not have taken effect yet), which only makes a violation harder to find:
 * the result is not linearizable as it stands either.
 */
export function shrink(ops: readonly Operation[], failing: Operation, limits: ShrinkLimits): Operation[] {
  const horizon = failing.complete ?? Infinity;
  const prefix = ops.filter((op) => op.invoke <= horizon).sort((a, b) => a.invoke - b.invoke || a.id - b.id);
  const violated = (candidate: Operation[]) =>
    checkRegister(candidate, { deadline: limits.deadline, maxStates: limits.statesPerTrial }, horizon).result === 'violation';

  let current = prefix;
  for (let width = Math.max(horizon - failing.invoke, 1); performance.now() < limits.deadline; width *= 2) {
    const start = failing.invoke - width;
    const windowed = without(prefix, prefix.filter((op) => (op.complete ?? Infinity) < start), failing);
    if (windowed.length === prefix.length) break;
    if (violated(windowed)) {
      current = windowed;
      break;
    }
  }

  let size = Math.max(1, Math.ceil(current.length / 2));
  for (;;) {
    let removedAny = false;
    for (let start = 0; start < current.length && performance.now() < limits.deadline; ) {
      const candidate = without(current, current.slice(start, start + size), failing);
      if (candidate.length < current.length && violated(candidate)) {
        current = candidate;
        removedAny = true;
      } else {
        start += size;
      }
    }
    if (performance.now() >= limits.deadline) return current;
    if (size > 1) size = Math.ceil(size / 2);
    else if (!removedAny) return current;
  }
}

/**
 * `ops` without as much of `chunk` as can safely go (see the header), keeping `failing`: the
 * reads, then the writes and deletes oldest first, so that the later ones that shield an older
 * one from a read are still there when it is considered.
 */
function without(ops: readonly Operation[], chunk: readonly Operation[], failing: Operation): Operation[] {
  const dropped = new Set(chunk.filter((op) => op.kind === 'read' && op !== failing));
  const reads = ops.filter((op) => op.kind === 'read' && !dropped.has(op));
  const writes = ops.filter((op) => op.kind !== 'read');
  const readsOf = new Map<string | null, Operation[]>();
  for (const r of reads) {
    const list = readsOf.get(r.value);
    if (list) list.push(r);
    else readsOf.set(r.value, [r]);
  }
  /** The earliest end of a write begun after `time`: one that must come between, for a read begun after that end. */
  const earliestEndAfter = suffixMinima(writes);

  for (const w of [...chunk].filter((op) => op.kind !== 'read').sort((a, b) => a.invoke - b.invoke)) {
    const end = w.complete ?? Infinity;
    const shield = earliestEndAfter(end);
    // A write whose value a read returned stays even when shielded: it shows what that read saw.
    const seen = (readsOf.get(w.kind === 'delete' ? null : w.value) ?? []).some(
      (r) => (r.complete ?? Infinity) >= w.invoke && (w.kind === 'write' || !(shield < r.invoke)),
    );
    if (!seen) dropped.add(w);
  }
  return ops.filter((op) => !dropped.has(op));
}

/**
 * For writes processed oldest first, those begun after a given time are all still present, so
 * the earliest end among them can come from all the writes, sorted by invocation.
 */
function suffixMinima(writes: readonly Operation[]): (time: number) => number {
  const sorted = [...writes].sort((a, b) => a.invoke - b.invoke);
  const minima = new Array<number>(sorted.length + 1).fill(Infinity);
  for (let k = sorted.length - 1; k >= 0; k--) minima[k] = Math.min(minima[k + 1], sorted[k].complete ?? Infinity);
  return (time) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid].invoke <= time) lo = mid + 1;
      else hi = mid;
    }
    return minima[lo];
  };
}
