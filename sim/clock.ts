/**
 * A simulated clock for the whole process: while installed, setTimeout, setInterval,
 * setImmediate (and their clear functions) and Date.now are this clock's, and time moves
 * only when the simulator says so.
 *
 * Why process-global rather than a clock component passed to every part: node/ calls the
 * timer functions and Date.now directly in a dozen places (maintenance rounds, lock
 * leases, retry back-off, the join's back-off, the memory network's deadlines, chain
 * batching). Threading a clock through all of them would change most of node/ for the
 * simulator's sake; installing one here changes none of it. The price is that only a
 * process that runs nothing else may install it: the simulator does, before it builds any
 * node, and uninstalls it when done. `new Date()` and performance.now() stay real (node/
 * uses them only for what it displays and for metrics).
 *
 * How time moves: every node-to-node call on the in-memory network is promise work
 * (microtasks), so "the event loop is idle" means "the microtask queue is empty", which is
 * true when a real setImmediate fires. The driver waits for that, then fires the earliest
 * pending timer, moving the clock to its time, and repeats.
 */
import { TimerHeap, type HeapTimer } from './timer-heap.js';

const real = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  dateNow: Date.now,
};

/** Resolves once every microtask queued so far (and every one those queue) has run. */
const settle = () => new Promise<void>((resolve) => real.setImmediate(resolve));

/** A timer as Node's Timeout looks to the code that holds it (unref, ref, refresh, hasRef). */
class SimTimer implements HeapTimer {
  slot = -1;
  constructor(
    private readonly clock: SimClock,
    public at: number,
    public seq: number,
    readonly fire: () => void,
    readonly repeatMs: number | undefined,
    readonly delayMs: number,
  ) {}

  ref(): this { return this; }
  unref(): this { return this; }
  hasRef(): boolean { return true; }
  refresh(): this {
    this.clock.reschedule(this, this.delayMs);
    return this;
  }
  close(): this {
    this.clock.cancel(this);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.seq;
  }
}

export class SimClock {
  private nowMs: number;
  private seq = 0;
  private readonly timers = new TimerHeap<SimTimer>();
  private installed = false;
  /** Timers fired so far (the simulator reports it beside wall time). */
  fired = 0;

  /** `startMs`: the epoch the simulation starts at (versions are derived from the wall clock, so a plausible one). */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.nowMs = startMs;
  }

  get now(): number {
    return this.nowMs;
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Replaces the process's timer functions and Date.now with this clock's. */
  install(): void {
    if (this.installed) return;
    this.installed = true;
    const g = globalThis as Record<string, unknown>;
    const later = (repeat: boolean) => (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      this.schedule(() => fn(...args), Math.max(1, Number(ms) || 0), repeat);
    g.setTimeout = later(false);
    g.setInterval = later(true);
    // An immediate runs at the current time, after the timers already due now.
    g.setImmediate = (fn: (...args: unknown[]) => void, ...args: unknown[]) => this.schedule(() => fn(...args), 0, false);
    g.clearTimeout = g.clearInterval = g.clearImmediate = (timer: unknown) => {
      if (timer instanceof SimTimer) this.cancel(timer);
      else if (timer !== undefined && timer !== null) real.clearTimeout(timer as NodeJS.Timeout);
    };
    Date.now = () => this.nowMs;
  }

  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    Object.assign(globalThis, {
      setTimeout: real.setTimeout, clearTimeout: real.clearTimeout, setInterval: real.setInterval,
      clearInterval: real.clearInterval, setImmediate: real.setImmediate, clearImmediate: real.clearImmediate,
    });
    Date.now = real.dateNow;
  }

  /** Runs the simulation for `ms` of simulated time. */
  async runFor(ms: number): Promise<void> {
    await this.drive(() => false, this.nowMs + ms);
  }

  /**
   * Runs the simulation until `work` settles and returns its result; throws when it has not
   * settled within `limitMs` of simulated time, or when nothing is left that could settle it.
   */
  async run<T>(work: Promise<T>, limitMs = 600_000): Promise<T> {
    let done = false;
    const settled = work.then(
      (value) => { done = true; return value; },
      (err: unknown) => { done = true; throw err; },
    );
    settled.catch(() => undefined);
    await this.drive(() => done, this.nowMs + limitMs);
    if (!done) {
      const why = this.timers.size === 0 ? 'nothing is scheduled that could settle it' : `${limitMs} ms of simulated time passed`;
      throw new Error(`the simulated operation did not finish: ${why}`);
    }
    return settled;
  }

  /** @internal for SimTimer.refresh */
  reschedule(timer: SimTimer, delayMs: number): void {
    this.timers.remove(timer);
    timer.at = this.nowMs + delayMs;
    timer.seq = this.seq++;
    this.timers.push(timer);
  }

  /** @internal for clearTimeout and SimTimer.close */
  cancel(timer: SimTimer): void {
    this.timers.remove(timer);
  }

  private schedule(fire: () => void, delayMs: number, repeat: boolean): SimTimer {
    const timer = new SimTimer(this, this.nowMs + delayMs, this.seq++, fire, repeat ? delayMs : undefined, delayMs);
    this.timers.push(timer);
    return timer;
  }

  private async drive(done: () => boolean, endMs: number): Promise<void> {
    for (;;) {
      await settle();
      if (done()) return;
      const next = this.timers.peek();
      if (!next || next.at > endMs) {
        this.nowMs = Math.max(this.nowMs, endMs);
        return;
      }
      this.timers.pop();
      this.nowMs = Math.max(this.nowMs, next.at);
      if (next.repeatMs !== undefined) this.reschedule(next, next.repeatMs);
      this.fired++;
      next.fire();
    }
  }
}
