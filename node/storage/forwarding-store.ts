/**
 * A Store that passes every call on to another. The stores that watch writes on their way
 * (ExpiryIndexedStore, NotifyingStore) extend it and override only what they watch.
 */
import type { Item, KeyedItem } from '../../common/wire.js';
import type { Store } from './store.js';

export class ForwardingStore implements Store {
  constructor(protected readonly inner: Store) {}

  get(key: string): Promise<Item | undefined> {
    return this.inner.get(key);
  }

  update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    return this.inner.update(key, change);
  }

  remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    return this.inner.remove(key, onlyIf);
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
