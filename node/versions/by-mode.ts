/**
 * The version policy of whatever mode the ring is in. A node learns the mode only when it
 * joins, after its parts were built, so they hold this and it answers with the policy of
 * the mode adopted.
 */
import type { Consistency, Item, Version } from '../../common/wire.js';
import { counterVersions } from './counter.js';
import { DottedVersions } from './dotted-versions.js';
import type { VersionPolicy } from './policy.js';

export class ModeVersions implements VersionPolicy {
  private readonly dotted: DottedVersions;

  constructor(private readonly mode: () => Consistency, self: string, nowMs: () => number = Date.now) {
    this.dotted = new DottedVersions(self, nowMs);
  }

  private get policy(): VersionPolicy {
    return this.mode() === 'quorum' ? this.dotted : counterVersions;
  }

  next(current: Item | undefined): Version {
    return this.policy.next(current);
  }

  merge(incoming: Item, current: Item | undefined): Item | undefined {
    return this.policy.merge(incoming, current);
  }

  supersedes(incoming: Item, current: Item | undefined): boolean {
    return this.policy.supersedes(incoming, current);
  }

  later(a: Version, b: Version): boolean {
    return this.policy.later(a, b);
  }

  same(a: Version, b: Version): boolean {
    return this.policy.same(a, b);
  }

  isVersion(value: unknown): value is Version {
    return this.policy.isVersion(value);
  }
}
