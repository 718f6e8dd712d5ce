/**
 * Histories for the linearizability checker's tests: a hand-written one from short rows, and
 * generated ones from a simulated register, valid by construction.
 */
import { Rng } from '../../torture/prng.js';
import type { OpKind, Operation, Outcome } from '../../torture/history.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Rows `[process, kind, value, invoke, complete, outcome?, key?]` in invocation order; ids follow the order. */
export type Row = [process: number, kind: OpKind, value: string | null, invoke: number, complete: number | null, outcome?: Outcome, key?: string];

export function history(...rows: Row[]): Operation[] {
  return rows.map(([process, kind, value, invoke, complete, outcome = 'ok', key = 'k'], id) => ({
    id, process, key, kind, value, invoke, complete, outcome,
  }));
}

export interface SimulateOptions {
  readonly seed: number;
  readonly operations: number;
  readonly processes: number;
  readonly keys?: readonly string[];
  /** Shares of operations that fail, and whose outcome is unknown (half of those unknown writes take effect). */
  readonly failRate?: number;
  readonly unknownRate?: number;
}

/**
 * Clients that each issue one operation at a time against a real register: every operation that
 * takes effect does so at a random instant inside its interval (an unknown one, up to well after
 * the client gave up), and reads return what the register held at theirs.
 */
export function simulate(options: SimulateOptions): Operation[] {
  const random = mulberry32(options.seed);
  const keys = options.keys ?? ['k'];
  const cursor = Array.from({ length: options.processes }, () => random() * 5);
  const ops: (Mutable<Operation> & { at?: number })[] = [];
  for (let n = 0; n < options.operations; n++) {
    const process = cursor.indexOf(Math.min(...cursor));
    const invoke = cursor[process] + random() * 2;
    const duration = 0.2 + random() * (random() < 0.1 ? 30 : 5);
    const complete = invoke + duration;
    cursor[process] = complete;
    const dice = random();
    const kind: OpKind = dice < 0.5 ? 'read' : dice < 0.9 ? 'write' : 'delete';
    const fate = random();
    const outcome: Outcome = fate < (options.failRate ?? 0) ? 'fail' : fate < (options.failRate ?? 0) + (options.unknownRate ?? 0) ? 'unknown' : 'ok';
    const op: Mutable<Operation> & { at?: number } = {
      id: 0, process, key: keys[Math.floor(random() * keys.length)], kind, invoke, outcome,
      value: kind === 'write' ? `v${n}` : null,
      complete: outcome === 'unknown' ? null : complete,
    };
    if (outcome === 'ok') op.at = invoke + random() * duration;
    if (outcome === 'unknown' && kind !== 'read' && random() < 0.5) op.at = invoke + random() * 3 * duration;
    ops.push(op);
  }
  const state = new Map<string, string | null>();
  for (const op of ops.filter((o) => o.at !== undefined).sort((a, b) => (a.at ?? 0) - (b.at ?? 0))) {
    if (op.kind === 'read') op.value = state.get(op.key) ?? null;
    else state.set(op.key, op.kind === 'write' ? op.value : null);
  }
  ops.sort((a, b) => a.invoke - b.invoke);
  return ops.map((op, id) => {
    delete op.at;
    return { ...op, id };
  });
}

/** A seeded source of numbers in [0, 1) (the torture runs' own), so that a failing history can be regenerated. */
export function mulberry32(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}
