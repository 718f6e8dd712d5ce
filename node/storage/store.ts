/**
 * The storage seam. A store keeps, per key, the newest version it has seen (tombstones
 * included, so that a delete cannot be undone by an older copy), laid out by the key's
 * ring id so that one ring interval is read without touching the rest.
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
  /**
   * Removes every trace of `key` (used when a node stops holding it, not for user deletes),
   * atomically only when `onlyIf` accepts the item held; returns whether it removed one.
   */
  remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean>;
  /**
   * The pairs whose key ids lie in the ring interval (fromId, toId], clockwise from
   * `fromId`, tombstones included; the whole ring when the two are equal.
   */
  scan(fromId: bigint, toId: bigint): Promise<KeyedItem[]>;
  /** Every key with its item, tombstones included. */
  entries(): Promise<KeyedItem[]>;
  close(): Promise<void>;
}
