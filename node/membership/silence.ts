/**
 * When a peer that does not answer counts as failed. One that refuses connections or says it
 * is no member is gone at once. One whose calls time out may be paused, overloaded or behind
 * a cut link, or on a host that died and so never refuses anything: it counts as failed once
 * every call to it has timed out for `failureTimeoutMs`; one answer clears that.
 */
import { isGone, isTimeout } from '../../common/errors.js';

export class Silence {
  /** When the first of the calls that have timed out since the peer last answered was sent. */
  private readonly since = new Map<string, number>();

  constructor(private readonly failureTimeoutMs: number, private readonly now: () => number = Date.now) {}

  /** `address` answered a call. */
  heard(address: string): void {
    this.since.delete(address);
  }

  /** A call to `address`, sent at `sentAt`, failed with `err`. */
  failedCall(address: string, err: unknown, sentAt: number): void {
    if (isTimeout(err, address) && !this.since.has(address)) this.since.set(address, sentAt);
  }

  /** Whether `err`, from a call to `address`, means `address` has failed. */
  hasFailed(err: unknown, address: string): boolean {
    if (isGone(err, address)) return true;
    const since = this.since.get(address);
    return isTimeout(err, address) && since !== undefined && this.now() - since >= this.failureTimeoutMs;
  }

  /** Forgets `address` (evicted: a later silence starts afresh). */
  forget(address: string): void {
    this.since.delete(address);
  }
}
