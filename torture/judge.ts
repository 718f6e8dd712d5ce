/**
 * What a torture run's history says beyond linearizability, in every mode: which final
 * values a key may hold without an acknowledged write being lost, and which reads were stale
 * (saw a value that an acknowledged update had already replaced before the read began).
 *
 * "Replaced": an update `u` is replaced for good once an acknowledged update began after `u`
 * completed; from the moment that one completed, no correct read may return `u`'s value.
 * An update whose outcome is unknown may land at any time, so it is never replaced.
 */
import type { Operation } from './history.js';

const isUpdate = (op: Operation) => (op.kind === 'write' || op.kind === 'delete') && op.outcome !== 'fail';

export function byKey(history: readonly Operation[]): Map<string, Operation[]> {
  const keys = new Map<string, Operation[]>();
  for (const op of history) {
    const ops = keys.get(op.key);
    if (ops) ops.push(op);
    else keys.set(op.key, [op]);
  }
  return keys;
}

/** For one key: when each update's value was replaced for good (Infinity: never). */
class Replacements {
  /** Acknowledged updates sorted by invocation, with the earliest completion among those invoked at or after each. */
  private readonly starts: number[];
  private readonly earliestEnd: number[];

  constructor(ops: readonly Operation[]) {
    const acknowledged = ops.filter((op) => isUpdate(op) && op.outcome === 'ok').sort((a, b) => a.invoke - b.invoke);
    this.starts = acknowledged.map((op) => op.invoke);
    this.earliestEnd = acknowledged.map((op) => op.complete!);
    for (let i = this.earliestEnd.length - 2; i >= 0; i--) this.earliestEnd[i] = Math.min(this.earliestEnd[i], this.earliestEnd[i + 1]);
  }

  /** When `origin`'s value was replaced (the initial absence: by the first acknowledged update to complete). */
  at(origin: Operation | 'initial'): number {
    if (origin === 'initial') return this.earliestEnd[0] ?? Infinity;
    if (origin.complete === null) return Infinity;
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.starts[mid] > origin.complete) high = mid;
      else low = mid + 1;
    }
    return this.earliestEnd[low] ?? Infinity;
  }
}

/** One key's updates indexed by the value they leave behind (null: absent): when each began and until when its value was current. */
class KeyIndex {
  private readonly origins = new Map<string | null, { invoke: number; until: number }[]>();

  constructor(ops: readonly Operation[]) {
    const replacements = new Replacements(ops);
    this.origins.set(null, [{ invoke: -Infinity, until: replacements.at('initial') }]);
    for (const op of ops.filter(isUpdate)) {
      const value = op.kind === 'delete' ? null : op.value;
      const list = this.origins.get(value) ?? [];
      list.push({ invoke: op.invoke, until: replacements.at(op) });
      this.origins.set(value, list);
    }
  }

  /** Values the key may hold once the clients stopped: those some update left and nothing replaced for good. */
  finals(): Set<string | null> {
    return new Set([...this.origins].filter(([, list]) => list.some((o) => o.until === Infinity)).map(([value]) => value));
  }

  /**
   * A read is stale when every update that could have produced its value (begun before the
   * read ended) had been replaced before the read began. A read that answered siblings is
   * stale when any of them is: a write replaced for good was superseded by a write that saw it.
   */
  stale(read: Operation): boolean {
    return valuesOf(read).some((value) => {
      const candidates = (this.origins.get(value) ?? []).filter((o) => o.invoke < read.complete!);
      return candidates.every((o) => o.until < read.invoke);
    });
  }
}

/** The values a read answered: its siblings, or its one value. */
export const valuesOf = (read: Operation): readonly (string | null)[] => read.siblings ?? [read.value];

export function allowedFinals(ops: readonly Operation[]): Set<string | null> {
  return new KeyIndex(ops).finals();
}

export interface Staleness {
  readonly reads: number;
  readonly stale: number;
}

export function staleness(history: readonly Operation[]): Staleness {
  let reads = 0;
  let stale = 0;
  for (const ops of byKey(history).values()) {
    const index = new KeyIndex(ops);
    for (const op of ops) {
      if (op.kind !== 'read' || op.outcome !== 'ok') continue;
      reads++;
      if (index.stale(op)) stale++;
    }
  }
  return { reads, stale };
}
