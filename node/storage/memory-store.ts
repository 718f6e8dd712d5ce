/** A Store kept in a Map: the default, and what tests use. */
import type { Item, KeyedItem } from '../../common/wire.js';
import type { Store } from './store.js';

export class MemoryStore implements Store {
  private readonly items = new Map<string, Item>();

  async get(key: string): Promise<Item | undefined> {
    return this.items.get(key);
  }
  async put(key: string, item: Item): Promise<void> {
    this.items.set(key, { value: item.value, version: item.version });
  }
  async remove(key: string): Promise<void> {
    this.items.delete(key);
  }
  async entries(): Promise<KeyedItem[]> {
    return [...this.items].map(([key, item]) => ({ key, ...item }));
  }
  async close(): Promise<void> {}
}
