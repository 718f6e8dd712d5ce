/**
 * The storage seam. A store keeps, per key, the newest version it has seen
 * (tombstones included, so that a delete cannot be undone by an older copy).
 */
import type { Item, KeyedItem } from '../../common/wire.js';

export interface Store {
  get(key: string): Promise<Item | undefined>;
  /** Writes `item` unconditionally. */
  put(key: string, item: Item): Promise<void>;
  /** Removes every trace of `key` (used when a node stops holding it, not for user deletes). */
  remove(key: string): Promise<void>;
  /** Every key with its item, tombstones included. */
  entries(): Promise<KeyedItem[]>;
  close(): Promise<void>;
}

/** True when `incoming` should replace `current`: newer version wins, a tombstone wins a tie. */
export function isNewer(incoming: Item, current: Item | undefined): boolean {
  if (!current) return true;
  if (incoming.version !== current.version) return incoming.version > current.version;
  return incoming.value === null && current.value !== null;
}

/** Applies `item` only when it is newer than what `store` holds; returns whether it did. */
export async function mergeItem(store: Store, key: string, item: Item): Promise<boolean> {
  if (!isNewer(item, await store.get(key))) return false;
  await store.put(key, item);
  return true;
}
