/**
 * A Store that counts its changes, so that something derived from its contents (a Merkle
 * tree) can be cached and known to be stale: every successful update or remove bumps
 * `generation`. It wraps any store and changes nothing it does.
 */
import type { Item, KeyedItem } from '../../common/wire.js';
import type { Store } from './store.js';

export class ChangeCountingStore implements Store {
  private generation_ = 0;

  constructor(private readonly inner: Store) {}

  /** Successful updates and removes so far; equal generations mean equal contents. */
  get generation(): number {
    return this.generation_;
  }

  get(key: string): Promise<Item | undefined> {
    return this.inner.get(key);
  }

  async update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    const changed = await this.inner.update(key, change);
    if (changed) this.generation_++;
    return changed;
  }

  async remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    const removed = await this.inner.remove(key, onlyIf);
    if (removed) this.generation_++;
    return removed;
  }

  scan(fromId: bigint, toId: bigint): Promise<KeyedItem[]> {
    return this.inner.scan(fromId, toId);
  }

  entries(): Promise<KeyedItem[]> {
    return this.inner.entries();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
