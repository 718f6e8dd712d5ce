/**
 * The soak run's clients: a paced load (a target rate, not flat out, so that memory is
 * measured under a steady, repeatable demand rather than whatever the CPU allows) over a
 * bounded key space, with values of varying size, and the per-interval counts the sampler
 * takes away every few seconds.
 */
import { performance } from 'node:perf_hooks';
import type { KvClient } from '../common/client.js';
import { ChordError } from '../common/errors.js';
import type { Rng } from './prng.js';

export interface LoadOptions {
  /** Operations per second to start. */
  readonly rate: number;
  readonly keys: number;
  /** Where the next operation goes (a random healthy member), or undefined while none is. */
  readonly pickNode: () => string | undefined;
  readonly random: Rng;
  /** Operations in flight at most; beyond it a due operation is skipped and counted as `behind`. */
  readonly maxInFlight?: number;
}

/** What happened since the previous `take()`. */
export interface Interval {
  /** Completed operations, answered or failed. */
  readonly ops: number;
  readonly ok: number;
  readonly errors: Record<string, number>;
  /** Latencies of the completed operations, ms, sorted. */
  readonly latencies: number[];
  /** Operations that were due but skipped because too many were still in flight. */
  readonly behind: number;
}

const TICK_MS = 10;
const MIN_VALUE = 10;
const MAX_VALUE = 4096;
/** Values are slices of one random string: varying sizes without generating 4 KiB per write. */
const FILLER = Array.from({ length: MAX_VALUE }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join('');

export class SoakLoad {
  private current = fresh();
  private inFlight = 0;
  private issued = 0;
  private written = 0;
  private stopped = false;
  private readonly keyNames: string[];

  constructor(private readonly kv: KvClient, private readonly options: LoadOptions) {
    this.keyNames = Array.from({ length: options.keys }, (_, i) => `soak-${i}`);
  }

  /** Issues operations at the target rate until `stop()`; resolves once the last one has answered. */
  async run(): Promise<void> {
    const start = performance.now();
    const maxInFlight = this.options.maxInFlight ?? 64;
    while (!this.stopped) {
      // Due operations follow the clock, so a slow tick catches up instead of lowering the rate.
      const due = Math.floor(((performance.now() - start) / 1000) * this.options.rate) - this.issued;
      for (let i = 0; i < due; i++) {
        this.issued++;
        if (this.inFlight >= maxInFlight) this.current.behind++;
        else void this.one();
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }

  stop(): void {
    this.stopped = true;
  }

  /** The counts since the last call, and a fresh interval. */
  take(): Interval {
    const taken = this.current;
    this.current = fresh();
    return { ...taken, latencies: taken.latencies.sort((a, b) => a - b) };
  }

  /** One read (50 %), write (40 %) or delete (10 %) of a random key through a random healthy member. */
  private async one(): Promise<void> {
    const node = this.options.pickNode();
    if (!node) {
      this.failed('NO_HEALTHY_MEMBER');
      return;
    }
    const { random } = this.options;
    const key = random.pick(this.keyNames);
    const dice = random.next();
    this.inFlight++;
    const started = performance.now();
    try {
      if (dice < 0.5) await this.kv.get(node, key);
      else if (dice < 0.9) await this.kv.put(node, key, this.value());
      else await this.kv.delete(node, key);
      this.done(started);
    } catch (err) {
      // A missing key is an answer, not a failure.
      if (err instanceof ChordError && err.code === 'KEY_NOT_FOUND') this.done(started);
      else this.failed(err instanceof ChordError ? err.code : (err as NodeJS.ErrnoException).code ?? 'ERROR');
    } finally {
      this.inFlight--;
    }
  }

  /** An operation counts in the interval in which it completes. */
  private done(started: number): void {
    this.current.ops++;
    this.current.ok++;
    this.current.latencies.push(performance.now() - started);
  }

  private failed(code: string): void {
    this.current.ops++;
    this.current.errors[code] = (this.current.errors[code] ?? 0) + 1;
  }

  /** Sizes log-uniform between 10 B and 4 KiB: mostly small, some large, as real values are. */
  private value(): string {
    const size = Math.round(MIN_VALUE * (MAX_VALUE / MIN_VALUE) ** this.options.random.next());
    const tag = `${++this.written}:`;
    return tag + FILLER.slice(0, Math.max(0, size - tag.length));
  }
}

function fresh(): { ops: number; ok: number; errors: Record<string, number>; latencies: number[]; behind: number } {
  return { ops: 0, ok: 0, errors: {}, latencies: [], behind: 0 };
}

/** Nearest-rank percentile of sorted values (NaN when there are none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
