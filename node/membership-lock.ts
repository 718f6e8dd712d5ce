/**
 * The lock that keeps user operations and membership changes apart on one node.
 * Operations a node heads hold it shared for their whole life (chain included);
 * a join or depart holds it exclusively on every node whose ranges or chains it changes.
 * Writers are preferred, so a steady stream of operations cannot starve a join.
 * An exclusive hold is a lease: if its holder vanishes, it lapses.
 */
import { NotReady } from '../common/errors.js';

export class MembershipLock {
  private readers = 0;
  private holder: { token: string; timer: NodeJS.Timeout } | null = null;
  private readonly writers: { token: string; leaseMs: number; resolve: () => void }[] = [];
  private readonly readerQueue: (() => void)[] = [];
  private readonly drained: (() => void)[] = [];

  /** Waits until no membership change holds or awaits the lock; returns the release function. */
  async acquireShared(): Promise<() => void> {
    if (this.holder || this.writers.length > 0) {
      // releaseExclusive counts us in before waking us, so no writer slips in between
      await new Promise<void>((resolve) => this.readerQueue.push(resolve));
    } else {
      this.readers++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.readers--;
      if (this.readers === 0) this.drained.splice(0).forEach((wake) => wake());
    };
  }

  /** Takes the lock exclusively for `token` (re-entrant for the same token); waits for operations to finish. */
  async acquireExclusive(token: string, leaseMs: number): Promise<void> {
    if (this.holder?.token === token) {
      this.renew(leaseMs);
      return;
    }
    if (this.holder || this.writers.length > 0) {
      // releaseExclusive hands the lock over, holder included, before waking us
      await new Promise<void>((resolve) => this.writers.push({ token, leaseMs, resolve }));
    } else {
      this.holder = { token, timer: this.leaseTimer(token, leaseMs) };
    }
    while (this.readers > 0 && this.holder?.token === token) {
      await new Promise<void>((resolve) => this.drained.push(resolve));
    }
    if (this.holder?.token !== token) {
      throw new NotReady('a membership lock lapsed before operations drained; retry', 'RING_CHANGING');
    }
  }

  /**
   * Extends the exclusive hold of `token` by `leaseMs`. A hold that lapsed is not taken again,
   * even when the lock is free: operations or another change may have run in the gap, so the
   * change that held it cannot go on as if it had held it throughout. It must give up and retry.
   */
  renewExclusive(token: string, leaseMs: number): void {
    if (this.holder?.token !== token) {
      throw new NotReady('this membership change\'s lock lapsed before it was renewed; retry', 'RING_CHANGING');
    }
    this.renew(leaseMs);
  }

  /** Releases an exclusive hold; false when `token` does not hold it (lapsed or never held). */
  releaseExclusive(token: string): boolean {
    if (this.holder?.token !== token) return false;
    clearTimeout(this.holder.timer);
    this.holder = null;
    const next = this.writers.shift();
    if (next) {
      this.holder = { token: next.token, timer: this.leaseTimer(next.token, next.leaseMs) };
      next.resolve();
    } else {
      const woken = this.readerQueue.splice(0);
      this.readers += woken.length;
      woken.forEach((wake) => wake());
    }
    // A writer still waiting for readers under this token must notice it lost the lock.
    this.drained.splice(0).forEach((wake) => wake());
    return true;
  }

  get heldBy(): string | null {
    return this.holder?.token ?? null;
  }

  private renew(leaseMs: number): void {
    if (!this.holder) return;
    clearTimeout(this.holder.timer);
    this.holder.timer = this.leaseTimer(this.holder.token, leaseMs);
  }

  private leaseTimer(token: string, leaseMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.releaseExclusive(token), leaseMs);
    timer.unref();
    return timer;
  }
}
