/**
 * A Merkle tree over the pairs of one key range (from, to], pure (no I/O). Leaves are buckets
 * of the range's ring ids: the range is cut into 16^DEPTH equal arcs, a pair goes to the arc
 * its key's id (SHA-1) falls in, and each bucket is named by its number in DEPTH hex digits,
 * inner nodes by the shorter prefixes. Two nodes that build a tree over the same range thus
 * agree on its shape without agreeing on anything else.
 *
 * Shape: fan-out 16 (one hex digit per level) and DEPTH 4, hence 65,536 buckets whatever the
 * range's size; cutting the range (not the whole ring) keeps the buckets as full in a small
 * arc of a large ring as in a large one. 100,000 pairs fill ~50,000 buckets with 1 or 2
 * pairs each. Ten differing pairs then cost four levels of at most 10 × 16 child hashes
 * (~7 KB each) and ten leaf listings of a pair or two: about 25 KB in six calls, against
 * ~14 MB to push every pair. One level more would add a call and ~7 KB of hashes per ten
 * differences to save listings that are already a pair long; one level less (4,096 buckets)
 * would list ~25 pairs per differing bucket and carry ten times the listing bytes.
 */
import { hash } from 'node:crypto';
import { ringSize } from '../../common/ring.js';
import type { Version } from '../../common/wire.js';

/** Children per inner node: one hex digit of the bucket number per level. */
export const FANOUT = 16;
/** Levels below the root: leaves are named by this many hex digits. */
export const DEPTH = 4;
/** The hash of an empty branch (nothing in the range lands there). */
export const EMPTY = '';

const DIGITS = '0123456789abcdef';

/** One pair as a leaf lists it: the key, the digest of its item (see itemDigest) and its version. */
export interface LeafEntry {
  readonly key: string;
  readonly digest: string;
  readonly version: Version;
}

const BUCKETS = BigInt(FANOUT ** DEPTH);
const RING = ringSize();

/** The whole ring cut from zero: (2^160 - 1, 2^160 - 1]; a bucket is then named by the first DEPTH hex digits of the id. */
export const WHOLE_RING = { from: RING - 1n, to: RING - 1n } as const;

/** The leaf bucket of the range (from, to] (the whole ring when equal) that the key id `id` falls in. */
export function leafOf(id: bigint, from: bigint, to: bigint): string {
  const length = from === to ? RING : (to - from + RING) % RING;
  const offset = (id - from - 1n + RING) % RING; // from + 1 is the range's first id
  return ((offset * BUCKETS) / length).toString(16).padStart(DEPTH, '0');
}

const sha1 = (text: string) => hash('sha1', text);
const byKey = (a: LeafEntry, b: LeafEntry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The tree, kept up to date pair by pair: `put` and `remove` touch one leaf, and hashes are
 * recomputed lazily, only along the paths of the leaves touched since the last question.
 * So a cached tree follows a store's writes at a cost per write, not per pair held.
 */
export class MerkleTree {
  /** A tree of the range (from, to] (the whole ring when equal), empty until pairs are put in it. */
  constructor(readonly from: bigint = WHOLE_RING.from, readonly to: bigint = WHOLE_RING.to) {}

  private readonly leaves = new Map<string, Map<string, LeafEntry>>();
  /** Hashes of the non-empty branches, by prefix ('' is the root). */
  private readonly hashes = new Map<string, string>();
  /** Leaves touched since their hashes (and their ancestors') were last computed. */
  private readonly stale = new Set<string>();
  private size_ = 0;

  /** Adds or replaces the pair of `entry.key`, whose key id is `id` (in the tree's range). */
  put(id: bigint, entry: LeafEntry): void {
    const prefix = leafOf(id, this.from, this.to);
    let leaf = this.leaves.get(prefix);
    if (!leaf) this.leaves.set(prefix, (leaf = new Map<string, LeafEntry>()));
    if (!leaf.has(entry.key)) this.size_++;
    leaf.set(entry.key, entry);
    this.stale.add(prefix);
  }

  /** Removes the pair of `key` (key id `id`), if present. */
  remove(id: bigint, key: string): void {
    const prefix = leafOf(id, this.from, this.to);
    if (!this.leaves.get(prefix)?.delete(key)) return;
    this.size_--;
    this.stale.add(prefix);
  }

  /** Pairs in the tree. */
  get size(): number {
    return this.size_;
  }

  /** Hash of the whole range (EMPTY when it holds no pair). */
  get root(): string {
    this.refresh();
    return this.hashes.get('') ?? EMPTY;
  }

  /** The hashes of the 16 children of `prefix` (shorter than DEPTH), in digit order; EMPTY for an empty child. */
  children(prefix: string): string[] {
    this.refresh();
    return this.childHashes(prefix);
  }

  /** The pairs of the leaf bucket `prefix` (DEPTH digits), sorted by key. */
  leaf(prefix: string): LeafEntry[] {
    return [...(this.leaves.get(prefix)?.values() ?? [])].sort(byKey);
  }

  private childHashes(prefix: string): string[] {
    return [...DIGITS].map((digit) => this.hashes.get(prefix + digit) ?? EMPTY);
  }

  /** Recomputes the hashes the puts and removes since the last question made stale (questions do it first anyway). */
  refresh(): void {
    if (this.stale.size === 0) return;
    let level = [...this.stale];
    this.stale.clear();
    for (const prefix of level) {
      const entries = this.leaf(prefix);
      if (entries.length === 0) {
        this.leaves.delete(prefix);
        this.hashes.delete(prefix);
        continue;
      }
      // A JSON string is self-delimiting and a digest has a fixed width: no two lists hash one text.
      let text = '';
      for (const { key, digest } of entries) text += JSON.stringify(key) + digest;
      this.hashes.set(prefix, sha1(text));
    }
    for (let depth = DEPTH - 1; depth >= 0; depth--) {
      level = [...new Set(level.map((prefix) => prefix.slice(0, depth)))];
      for (const parent of level) {
        const children = this.childHashes(parent);
        if (children.every((child) => child === EMPTY)) this.hashes.delete(parent);
        else this.hashes.set(parent, sha1(children.join(',')));
      }
    }
  }
}

/** The tree of some pairs of the range (from, to], each given with its key id. */
export function buildTree(pairs: Iterable<{ readonly id: bigint; readonly entry: LeafEntry }>, from = WHOLE_RING.from, to = WHOLE_RING.to): MerkleTree {
  const tree = new MerkleTree(from, to);
  for (const { id, entry } of pairs) tree.put(id, entry);
  return tree;
}

/** The children of `prefix` whose hashes differ between two trees' answers for it. */
export function differingChildren(prefix: string, mine: readonly string[], theirs: readonly string[]): string[] {
  return [...DIGITS].flatMap((digit, i) => (mine[i] === theirs[i] ? [] : [prefix + digit]));
}

/** How two listings of one leaf bucket differ, key by key. */
export interface LeafDiff {
  /** Keys only this side holds. */
  readonly onlyMine: LeafEntry[];
  /** Keys only the other side holds. */
  readonly onlyTheirs: LeafEntry[];
  /** Keys both hold with different items: [mine, theirs]. */
  readonly changed: [LeafEntry, LeafEntry][];
}

export function diffLeaf(mine: readonly LeafEntry[], theirs: readonly LeafEntry[]): LeafDiff {
  const other = new Map(theirs.map((entry) => [entry.key, entry]));
  const diff: LeafDiff = { onlyMine: [], onlyTheirs: [], changed: [] };
  for (const entry of mine) {
    const match = other.get(entry.key);
    if (!match) diff.onlyMine.push(entry);
    else if (match.digest !== entry.digest) diff.changed.push([entry, match]);
    other.delete(entry.key);
  }
  diff.onlyTheirs.push(...other.values());
  return diff;
}
