/** A Store kept in a Map: the default for ephemeral nodes, and what tests use. */
import type { Item, KeyedItem } from '../../common/wire.js';
import type { Store } from './store.js';

export class MemoryStore implements Store {
  private readonly items = new Map<string, Item>();
  private peers: string[] = [];

  async get(key: string): Promise<Item | undefined> {
    return this.items.get(key);
  }
  async update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    // Synchronous between the read and the write, hence atomic.
    const next = change(this.items.get(key));
    if (!next) return false;
    this.items.set(key, { value: next.value, version: next.version });
    return true;
  }
  async remove(key: string): Promise<void> {
    this.items.delete(key);
  }
  async entries(): Promise<KeyedItem[]> {
    return [...this.items].map(([key, item]) => ({ key, ...item }));
  }
  async readPeers(): Promise<string[]> {
    return this.peers;
  }
  async writePeers(addresses: string[]): Promise<void> {
    this.peers = [...addresses];
  }
  async close(): Promise<void> {}
}
