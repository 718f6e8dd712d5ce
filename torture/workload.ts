/**
 * The clients of a torture run: C logical processes, each with at most one operation in
 * flight, reading, writing and deleting a few keys through random healthy members, and the
 * recorder that writes every operation into the history as the checker needs it.
 */
import { performance } from 'node:perf_hooks';
import type { KvClient } from '../common/client.js';
import { ChordError, PeerUnreachable } from '../common/errors.js';
import type { OpKind, Operation, Outcome } from './history.js';
import type { Rng } from './prng.js';

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  /** Where a client sends its next operation (a random healthy member, as the ring knows it). */
  readonly pickNode: () => string | undefined;
  readonly random: Rng;
}

/** The keys of a run: few, so that clients collide on them. */
export function keyNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `torture-${i}`);
}

/** What an operation's answer said: the value read and the version the store gave it. */
export interface Seen {
  readonly value: string | null;
  /** A quorum ring's siblings, when the read found several values. */
  readonly siblings?: readonly string[];
  readonly version?: unknown;
}

export class Recorder {
  readonly history: Operation[] = [];
  private nextId = 0;

  /** Runs one operation and records it; `run` answers the value read (null: absent) and the version the store named, if any. */
  async record(process: number, key: string, kind: OpKind, value: string | null, node: string, run: () => Promise<Seen>): Promise<Outcome> {
    const id = this.nextId++;
    const invoke = performance.now();
    try {
      const seen = await run();
      const version = seen.version === undefined ? {} : { version: JSON.stringify(seen.version) };
      const siblings = seen.siblings === undefined ? {} : { siblings: seen.siblings };
      this.history.push({ id, process, key, kind, value: kind === 'read' ? seen.value : value, invoke, complete: performance.now(), outcome: 'ok', node, ...version, ...siblings });
      return 'ok';
    } catch (err) {
      const outcome = outcomeOf(kind, err);
      const complete = outcome === 'unknown' ? null : performance.now();
      const error = err instanceof ChordError ? err.code : (err as Error).message;
      this.history.push({ id, process, key, kind, value: kind === 'read' ? null : value, invoke, complete, outcome, node, error });
      return outcome;
    }
  }

  /** The history in invocation order (operations are pushed as they complete). */
  sorted(): Operation[] {
    return [...this.history].sort((a, b) => a.id - b.id);
  }
}

/** A read as the register sees it: an absent key reads as null. */
export async function readKey(kv: KvClient, node: string, key: string): Promise<Seen> {
  try {
    const answer = await kv.read(node, key);
    if ('siblings' in answer && answer.siblings) return { value: answer.siblings[0], siblings: answer.siblings };
    return { value: answer.value ?? null, version: 'version' in answer ? answer.version : undefined };
  } catch (err) {
    if (err instanceof ChordError && err.code === 'KEY_NOT_FOUND') return { value: null };
    throw err;
  }
}

/**
 * A delete as the register sees it: the key is absent afterwards. KEY_NOT_FOUND says the
 * same (the key was absent when the delete was ordered; linearizable mode confirms it at the
 * tail), so it counts as a delete that took effect.
 */
export async function deleteKey(kv: KvClient, node: string, key: string): Promise<Seen> {
  try {
    await kv.delete(node, key);
  } catch (err) {
    if (!(err instanceof ChordError && err.code === 'KEY_NOT_FOUND')) throw err;
  }
  return { value: null };
}

/**
 * A failed read tells nothing, so it is `fail`. A write (or delete) is `fail` only when it certainly never
 * reached the store: the connection was refused, or the request was refused as invalid.
 * Anything else (a timeout, a ring error relayed from inside the chain) may have taken effect.
 */
export function outcomeOf(kind: OpKind, err: unknown): Outcome {
  if (kind === 'read') return 'fail';
  if (err instanceof PeerUnreachable && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED') return 'fail';
  if (err instanceof ChordError && err.status >= 400 && err.status < 500 && err.retry === 'never') return 'fail';
  return 'unknown';
}

/** Runs the clients until `stop` resolves; a process whose operation ended unknown is replaced by a fresh one, as in Jepsen. */
export async function runClients(kv: KvClient, recorder: Recorder, options: WorkloadOptions, stop: Promise<void>): Promise<void> {
  let stopped = false;
  void stop.then(() => { stopped = true; });
  const keys = keyNames(options.keys);
  const { random } = options;
  let written = 0;
  const client = async (index: number) => {
    let process = index;
    while (!stopped) {
      const node = options.pickNode();
      if (!node) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const key = random.pick(keys);
      const dice = random.next();
      let outcome: Outcome;
      if (dice < 0.5) {
        outcome = await recorder.record(process, key, 'read', null, node, () => readKey(kv, node, key));
      } else if (dice < 0.92) {
        const value = `v${++written}`;
        outcome = await recorder.record(process, key, 'write', value, node, async () => ({ value, version: (await kv.put(node, key, value)).version }));
      } else {
        outcome = await recorder.record(process, key, 'delete', null, node, () => deleteKey(kv, node, key));
      }
      if (outcome === 'unknown') process += options.clients;
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
}
