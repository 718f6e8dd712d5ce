/**
 * A Merkle tree over the pairs of one key range, pure (no I/O). Leaves are buckets of the
 * ring-id space: a pair goes to the bucket named by the first DEPTH hex digits of its key's
 * id (SHA-1), and every inner node is named by a shorter prefix, so two nodes that build a
 * tree over the same range agree on its shape without agreeing on anything else.
 *
 * Shape: fan-out 16 (one hex digit per level), DEPTH 4, hence 65,536 leaf buckets over the
 * whole ring. A range of 100,000 pairs owning a fifth of the ring fills ~13,000 of them with
 * ~8 pairs each. Ten differing pairs then cost four levels of at most 10 × 16 child hashes
 * (~7 KB each) and ten leaf listings of ~8 entries: tens of kilobytes, against the
 * ~10 MB of pushing every pair. A deeper tree would shrink the listings but add a round
 * trip and a level of hashes per difference; a shallower one (4,096 buckets) would list
 * ~120 pairs per differing bucket at that size.
 */
import { createHash } from 'node:crypto';
import { idToHex } from '../../common/ring.js';
import type { Version } from '../../common/wire.js';

/** Children per inner node: one hex digit of the key id per level. */
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

export interface MerkleTree {
  /** Hash of the whole range (EMPTY when it holds no pair). */
  readonly root: string;
  /** Pairs in the tree. */
  readonly size: number;
  /** The hashes of the 16 children of `prefix` (shorter than DEPTH), in digit order; EMPTY for an empty child. */
  children(prefix: string): string[];
  /** The pairs of the leaf bucket `prefix` (DEPTH digits), sorted by key. */
  leaf(prefix: string): readonly LeafEntry[];
}

/** The leaf bucket a key id falls in. */
export const leafOf = (id: bigint): string => idToHex(id).slice(0, DEPTH);

const sha1 = () => createHash('sha1');

/** Builds the tree of some pairs, each given with its key id. */
export function buildTree(pairs: Iterable<{ readonly id: bigint; readonly entry: LeafEntry }>): MerkleTree {
  const leaves = new Map<string, LeafEntry[]>();
  let size = 0;
  for (const { id, entry } of pairs) {
    const prefix = leafOf(id);
    const bucket = leaves.get(prefix);
    if (bucket) bucket.push(entry);
    else leaves.set(prefix, [entry]);
    size++;
  }
  const hashes = new Map<string, string>();
  for (const [prefix, entries] of leaves) {
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const hash = sha1();
    // A JSON string is self-delimiting and a digest has a fixed width: no two lists hash one text.
    for (const { key, digest } of entries) hash.update(JSON.stringify(key)).update(digest);
    hashes.set(prefix, hash.digest('hex'));
  }
  let level = [...leaves.keys()];
  for (let depth = DEPTH - 1; depth >= 0; depth--) {
    const parents = [...new Set(level.map((prefix) => prefix.slice(0, depth)))];
    for (const parent of parents) hashes.set(parent, sha1().update(childHashes(hashes, parent).join(',')).digest('hex'));
    level = parents;
  }
  return {
    root: hashes.get('') ?? EMPTY,
    size,
    children: (prefix) => childHashes(hashes, prefix),
    leaf: (prefix) => leaves.get(prefix) ?? [],
  };
}

function childHashes(hashes: ReadonlyMap<string, string>, prefix: string): string[] {
  return [...DIGITS].map((digit) => hashes.get(prefix + digit) ?? EMPTY);
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
