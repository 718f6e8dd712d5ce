/**
 * The storage seam. A store keeps, per key, the newest version it has seen
 * (tombstones included, so that a delete cannot be undone by an older copy).
 */
import type { Item, KeyedItem } from '../../common/wire.js';

export interface Store {
  get(key: string): Promise<Item | undefined>;
  /**
   * Atomically replaces the item of `key` with what `change` returns for the current one
   * (undefined: leave it). Read-modify-write is one step per key, so two concurrent
   * updates never lose each other. Errors thrown by `change` propagate and change nothing.
   */
  update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean>;
  /** Removes every trace of `key` (used when a node stops holding it, not for user deletes). */
  remove(key: string): Promise<void>;
  /** Every key with its item, tombstones included. */
  entries(): Promise<KeyedItem[]>;
  /** Addresses of ring members last seen, for rejoining after a restart. */
  readPeers(): Promise<string[]>;
  writePeers(addresses: string[]): Promise<void>;
  close(): Promise<void>;
}

/** True when `incoming` should replace `current`: newer version wins, a tombstone wins a tie. */
export function isNewer(incoming: Item, current: Item | undefined): boolean {
  if (!current) return true;
  if (incoming.version !== current.version) return incoming.version > current.version;
  return incoming.value === null && current.value !== null;
}

/** Applies `item` only when it is newer than what `store` holds; returns whether it did. */
export function mergeItem(store: Store, key: string, item: Item): Promise<boolean> {
  return store.update(key, (current) => (isNewer(item, current) ? { value: item.value, version: item.version } : undefined));
}

/**
 * The version of the next write to a key: above the current one, and never below the
 * wall clock in microseconds. The clock floor matters when every holder of a key was down:
 * a new owner starts without the key, and its fresh write must still beat the stale copies
 * those holders bring back when they restart (across machines this assumes clocks agree
 * to within the time between such writes).
 */
export function nextVersion(current = 0, nowMs = Date.now()): number {
  return Math.max(current + 1, nowMs * 1000);
}
