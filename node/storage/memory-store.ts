/** A Store kept in a Map: the default for ephemeral nodes, and what tests use. */
import { hashId, ID_BITS } from '../../common/ring.js';
import { storedItem, type Item, type KeyedItem } from '../../common/wire.js';
import type { Store } from './store.js';

interface Entry {
  key: string;
  id: bigint;
  item: Item;
}

export class MemoryStore implements Store {
  private readonly items = new Map<string, Entry>();
  /** Entries by ring id, rebuilt lazily after keys come or go (scans are rare, writes are not). */
  private byId: Entry[] | null = null;

  async get(key: string): Promise<Item | undefined> {
    return this.items.get(key)?.item;
  }

  async update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    // Synchronous between the read and the write, hence atomic.
    const entry = this.items.get(key);
    const next = change(entry?.item);
    if (!next) return false;
    const item = storedItem(next);
    if (entry) entry.item = item;
    else {
      this.items.set(key, { key, id: hashId(key), item });
      this.byId = null;
    }
    return true;
  }

  async remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    const entry = this.items.get(key);
    if (!entry || (onlyIf && !onlyIf(entry.item))) return false;
    this.items.delete(key);
    this.byId = null;
    return true;
  }

  async scan(fromId: bigint, toId: bigint): Promise<KeyedItem[]> {
    const sorted = this.sorted();
    const slice = (from: bigint, to: bigint) => sorted.slice(firstAbove(sorted, from), firstAbove(sorted, to));
    const picked = fromId < toId ? slice(fromId, toId)
      : [...slice(fromId, MAX_ID), ...slice(-1n, toId)]; // wraps past zero (or the whole ring)
    return picked.map(({ key, item }) => ({ key, ...item }));
  }

  async entries(): Promise<KeyedItem[]> {
    return [...this.items.values()].map(({ key, item }) => ({ key, ...item }));
  }

  async close(): Promise<void> {}

  private sorted(): Entry[] {
    this.byId ??= [...this.items.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.byId;
  }
}

const MAX_ID = (1n << BigInt(ID_BITS)) - 1n;

/** Index of the first entry whose id is above `id` (entries sorted by id). */
function firstAbove(sorted: Entry[], id: bigint): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid].id <= id) low = mid + 1;
    else high = mid;
  }
  return low;
}
