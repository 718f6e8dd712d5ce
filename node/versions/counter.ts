/** Versions as one number per key, ordered by the key's head: the policy of both chain and eventual modes (a ring in those modes holds no other versions). */
import type { Item, Version } from '../../common/wire.js';
import type { VersionPolicy } from './policy.js';

export class CounterVersions implements VersionPolicy {
  /** `nowMs` is the wall clock, passed in so that tests can drive it. */
  constructor(private readonly nowMs: () => number = Date.now) {}

  /**
   * Above the current version, and never below the wall clock in microseconds. The clock
   * floor matters when every holder of a key was down: a new owner starts without the key,
   * and its fresh write must still beat the stale copies those holders bring back when they
   * restart (across machines this assumes clocks agree to within the time between such writes).
   */
  next(current: Item | undefined): Version {
    return Math.max(((current?.version as number | undefined) ?? 0) + 1, this.nowMs() * 1000);
  }

  supersedes(incoming: Item, current: Item | undefined): boolean {
    if (!current) return true;
    if (incoming.version !== current.version) return (incoming.version as number) > (current.version as number);
    return incoming.value === null && current.value !== null;
  }

  merge(incoming: Item, current: Item | undefined): Item | undefined {
    return this.supersedes(incoming, current) ? incoming : undefined;
  }

  later(a: Version, b: Version): boolean {
    return (a as number) > (b as number);
  }

  same(a: Version, b: Version): boolean {
    return a === b;
  }

  isVersion(value: unknown): value is Version {
    return Number.isSafeInteger(value) && (value as number) >= 0;
  }
}

/** The policy every node uses unless a mode brings its own. */
export const counterVersions = new CounterVersions();
