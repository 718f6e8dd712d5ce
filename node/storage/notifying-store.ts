/**
 * A Store that tells listeners which key changed, after every successful update or remove,
 * so that something derived from its contents (the Merkle trees of node/merkle/) can follow
 * it write by write instead of rereading it. It wraps any store and changes nothing it does.
 */
import type { Item, KeyedItem } from '../../common/wire.js';
import type { Store } from './store.js';

export class NotifyingStore implements Store {
  private readonly listeners: ((key: string) => void)[] = [];

  constructor(private readonly inner: Store) {}

  /** Calls `listener` with the key of every change from now on (after the change is in the store). */
  onChange(listener: (key: string) => void): void {
    this.listeners.push(listener);
  }

  get(key: string): Promise<Item | undefined> {
    return this.inner.get(key);
  }

  async update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    const changed = await this.inner.update(key, change);
    if (changed) this.changed(key);
    return changed;
  }

  async remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    const removed = await this.inner.remove(key, onlyIf);
    if (removed) this.changed(key);
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

  private changed(key: string): void {
    for (const listener of this.listeners) listener(key);
  }
}
