/**
 * The version seam: how versions are made, compared and merged. Only a policy looks
 * inside a version; stores keep them, messages carry them, and everything else asks the
 * policy. A counter for chain and eventual modes; dotted version vectors, with siblings, for quorum mode.
 */
import type { Item, Version } from '../../common/wire.js';

export interface VersionPolicy {
  /** The version a head gives the next write to a key whose current item is `current`. */
  next(current: Item | undefined): Version;
  /** True when `incoming` should replace `current` (the newer wins; a tombstone wins a tie). */
  supersedes(incoming: Item, current: Item | undefined): boolean;
  /**
   * What a holder of `current` keeps when `incoming` arrives from another node: `incoming`, a
   * merge of both (concurrent siblings), or undefined to keep `current` as it is.
   */
  merge(incoming: Item, current: Item | undefined): Item | undefined;
  /** Whether `a` is a later version of a key than `b` (watchers ask for changes after the last they saw). */
  later(a: Version, b: Version): boolean;
  /** Whether two versions are the same version (compare-and-set). */
  same(a: Version, b: Version): boolean;
  /** Whether `value`, as it arrived on the wire, is a version this policy understands. */
  isVersion(value: unknown): value is Version;
}
