/**
 * Merkle trees of key ranges, built from a store scan and cached until the store changes.
 * One exchange asks for the same range's tree several times (once per level it descends),
 * and a replica answers for each range it holds; rebuilding per call would hash every pair
 * of the range each time. The cache is keyed on the store's change count, so a tree is never
 * served after any write to the store (a write outside the range costs a rebuild, too: the
 * simple rule, and anti-entropy runs every few seconds, not per write).
 */
import { hashId } from '../../common/ring.js';
import type { ChangeCountingStore } from '../storage/change-counting.js';
import { itemDigest } from './digest.js';
import { buildTree, type MerkleTree } from './tree.js';

/** Ranges kept: this node's own and the k-1 it replicates, with room for a ring that moved. */
const CACHED_RANGES = 8;

export class RangeTrees {
  private readonly cache = new Map<string, { generation: number; tree: Promise<MerkleTree> }>();
  /** Trees built (not served from the cache); tests and the bench read it. */
  builds = 0;

  constructor(private readonly store: Pick<ChangeCountingStore, 'generation' | 'scan'>) {}

  /** The tree of the pairs whose key ids lie in (from, to] (the whole ring when equal), tombstones included. */
  tree(from: bigint, to: bigint): Promise<MerkleTree> {
    const name = `${from.toString(16)}:${to.toString(16)}`;
    // Read before the scan: a write landing during it leaves the entry stale, never wrongly fresh.
    const generation = this.store.generation;
    const cached = this.cache.get(name);
    if (cached && cached.generation === generation) return cached.tree;
    const tree = this.build(from, to);
    this.cache.delete(name);
    this.cache.set(name, { generation, tree });
    // A failed scan is not kept: the next call tries again.
    void tree.catch(() => { if (this.cache.get(name)?.tree === tree) this.cache.delete(name); });
    while (this.cache.size > CACHED_RANGES) this.cache.delete(this.cache.keys().next().value!);
    return tree;
  }

  private async build(from: bigint, to: bigint): Promise<MerkleTree> {
    this.builds++;
    const pairs = await this.store.scan(from, to);
    return buildTree(pairs.map((pair) => ({ id: hashId(pair.key), entry: { key: pair.key, digest: itemDigest(pair), version: pair.version } })));
  }
}
