/**
 * Quorum mode's version policy: an item's version holds the dotted version of its value
 * and its concurrent siblings (common/wire.ts DottedVersion); merging two copies of a key
 * keeps every write that no other one supersedes (node/versions/dotted.ts).
 */
import type { DottedVersion, Item, Version } from '../../common/wire.js';
import { contextOf, descends, isClock, isDot, mergeSiblings, sameSet, writeSibling, type DottedValue } from './dotted.js';
import type { VersionPolicy } from './policy.js';

/** The siblings an item holds: its own value first, then the concurrent ones. */
export function siblingsOf(item: Item): DottedValue[] {
  const version = item.version as DottedVersion;
  return [{ value: item.value, dot: version.dot, past: version.past }, ...(version.siblings ?? [])];
}

/** The item that stores `siblings` (merged, so that live values come first). */
export function itemOf(siblings: readonly DottedValue[]): Item {
  const [first, ...rest] = siblings;
  const version: DottedVersion = { dot: [...first.dot], past: { ...first.past } };
  if (rest.length > 0) version.siblings = rest.map((s) => ({ value: s.value, dot: [...s.dot], past: { ...s.past } }));
  return { value: first.value, version };
}

const asSiblings = (version: Version): DottedValue[] => siblingsOf({ value: null, version });

export class DottedVersions implements VersionPolicy {
  /** `node` names this node in the dots of writes it coordinates; `nowMs` floors their counters. */
  constructor(private readonly node: string, private readonly nowMs: () => number = Date.now) {}

  /** A write that has seen every sibling of `current`: it supersedes them all. */
  next(current: Item | undefined): Version {
    const siblings = current ? siblingsOf(current) : [];
    return itemOf(writeSibling(siblings, contextOf(siblings), this.node, null, this.nowMs() * 1000).siblings).version;
  }

  merge(incoming: Item, current: Item | undefined): Item | undefined {
    if (!current) return incoming;
    const merged = mergeSiblings(siblingsOf(incoming), siblingsOf(current));
    return sameSet(merged, siblingsOf(current)) ? undefined : itemOf(merged);
  }

  supersedes(incoming: Item, current: Item | undefined): boolean {
    return this.merge(incoming, current) !== undefined;
  }

  later(a: Version, b: Version): boolean {
    return descends(asSiblings(a), asSiblings(b));
  }

  same(a: Version, b: Version): boolean {
    return sameSet(asSiblings(a), asSiblings(b));
  }

  isVersion(value: unknown): value is DottedVersion {
    return isDottedVersion(value);
  }
}

/**
 * Siblings a coordinator lets a key have: a write that would make more is refused until a
 * write with a context resolves them. Copies merged elsewhere may hold more (two copies'
 * sets joined), so what arrives from the wire may hold many more before it is refused.
 */
export const MAX_SIBLINGS = 64;
const MAX_SIBLINGS_ON_WIRE = 16 * MAX_SIBLINGS;

export function isDottedVersion(value: unknown): value is DottedVersion {
  if (typeof value !== 'object' || value === null) return false;
  const { dot, past, siblings } = value as Record<string, unknown>;
  return isDot(dot) && isClock(past) && (siblings === undefined || (Array.isArray(siblings) && siblings.length < MAX_SIBLINGS_ON_WIRE
    && siblings.every(isSibling)));
}

function isSibling(s: unknown): boolean {
  if (typeof s !== 'object' || s === null) return false;
  const { value, dot, past } = s as Record<string, unknown>;
  return isDot(dot) && isClock(past) && (typeof value === 'string' || value === null);
}
