/**
 * Merkle trees of key ranges, cached and kept up to date write by write. One exchange asks
 * for the same range's tree once per level it descends, a replica answers for every range
 * it holds, and building a tree hashes every pair of the range (1 to 2 s for 100,000
 * pairs on a busy 2-core machine). So a tree is built from a store scan once, then every
 * change the store reports for a key in its range marks that key, and the next question
 * rereads only the marked keys. A change during the scan is marked too (the tree is
 * listening before the scan starts), so no write is ever missed, only reread once more.
 */
import { hashId, inHalfOpen } from '../../common/ring.js';
import type { NotifyingStore } from '../storage/notifying-store.js';
import { itemDigest } from './digest.js';
import { MerkleTree } from './tree.js';

/** Ranges kept: this node's own and the k-1 it replicates, with room for a ring that moved; the least recently asked goes first. */
const CACHED_RANGES = 6;

/** Pairs hashed between two turns of the event loop while a tree is built. */
const BUILD_SLICE = 2000;

interface Cached {
  readonly from: bigint;
  readonly to: bigint;
  readonly tree: MerkleTree;
  /** Keys changed since the tree last read them. */
  readonly marked: Set<string>;
  /** The scan, then each catch-up, one after another. */
  ready: Promise<void>;
}

export class RangeTrees {
  private readonly cache = new Map<string, Cached>();
  /** Trees built from a full scan; tests and the bench read it. */
  builds = 0;

  constructor(private readonly store: Pick<NotifyingStore, 'onChange' | 'get' | 'scan'>) {
    store.onChange((key) => this.changed(key));
  }

  /** The tree of the pairs whose key ids lie in (from, to] (the whole ring when equal), tombstones included. */
  async tree(from: bigint, to: bigint): Promise<MerkleTree> {
    const name = `${from.toString(16)}:${to.toString(16)}`;
    let cached = this.cache.get(name);
    if (cached) this.cache.delete(name); // re-inserted below: the map's order is the order of use
    else cached = this.start(from, to);
    this.cache.set(name, cached);
    while (this.cache.size > CACHED_RANGES) this.cache.delete(this.cache.keys().next().value!);
    const entry = cached;
    entry.ready = entry.ready.then(() => this.catchUp(entry));
    try {
      await entry.ready;
    } catch (err) {
      // A failed scan is not kept: the next question starts again.
      if (this.cache.get(name) === entry) this.cache.delete(name);
      throw err;
    }
    return entry.tree;
  }

  private start(from: bigint, to: bigint): Cached {
    const entry: Cached = { from, to, tree: new MerkleTree(from, to), marked: new Set(), ready: Promise.resolve() };
    entry.ready = (async () => {
      this.builds++;
      const pairs = await this.store.scan(from, to);
      for (let i = 0; i < pairs.length; i++) {
        const pair = pairs[i];
        if (!entry.marked.has(pair.key)) entry.tree.put(hashId(pair.key), { key: pair.key, digest: itemDigest(pair), version: pair.version });
        // Hashing 100,000 pairs takes a second or two: in slices, so that requests are served meanwhile.
        if ((i + 1) % BUILD_SLICE === 0) {
          entry.tree.refresh();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    })();
    return entry;
  }

  private async catchUp(entry: Cached): Promise<void> {
    const keys = [...entry.marked];
    entry.marked.clear();
    for (const key of keys) {
      const item = await this.store.get(key);
      if (item) entry.tree.put(hashId(key), { key, digest: itemDigest(item), version: item.version });
      else entry.tree.remove(hashId(key), key);
    }
  }

  private changed(key: string): void {
    if (this.cache.size === 0) return;
    const id = hashId(key);
    for (const entry of this.cache.values()) if (inHalfOpen(id, entry.from, entry.to)) entry.marked.add(key);
  }
}
