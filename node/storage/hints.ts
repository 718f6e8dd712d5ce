/**
 * Hinted handoff's store: copies a node keeps for another one that was down when a
 * quorum write needed it (sloppy quorum), until that node answers again. Kept apart from
 * the node's pairs: they are not this node's to hold, serve in query '*', or hand on.
 * Every copy is held in memory (hints are few and short-lived); a persistent book also
 * writes each change through to the node's LevelDB before it resolves, and reads them all
 * back when the node restarts.
 */
import type { Item, KeyedItem } from '../../common/wire.js';

/** What a holder of `current` keeps when `incoming` arrives (the version policy's merge). */
export type Merge = (incoming: Item, current: Item | undefined) => Item | undefined;

export interface HintBook {
  /** Keeps `item` for `intended`, merged with any copy of the key already kept for it. */
  add(intended: string, item: KeyedItem, merge: Merge): Promise<void>;
  /** Every copy of `key` kept here, for whichever node. */
  forKey(key: string): KeyedItem[];
  /** The nodes copies are kept for, with their copies. */
  byNode(): Map<string, KeyedItem[]>;
  /** Drops the copy of `key` kept for `intended`, only when it is still `unchanged` (a newer one arrived meanwhile: kept). */
  remove(intended: string, key: string, unchanged: (current: Item) => boolean): Promise<boolean>;
  size(): number;
}

/** What a persistent book writes through to: put/del by one string key. */
export interface HintBacking {
  put(key: string, value: { intended: string; item: KeyedItem }): Promise<void>;
  del(key: string): Promise<void>;
}

export class MemoryHintBook implements HintBook {
  private readonly hints = new Map<string, Map<string, KeyedItem>>();
  private readonly byKey = new Map<string, Set<string>>();

  /** `backing`: where changes are written through (none: memory only); `initial`: what it held before a restart. */
  constructor(private readonly backing?: HintBacking, initial: readonly { intended: string; item: KeyedItem }[] = []) {
    for (const { intended, item } of initial) this.keep(intended, item);
  }

  async add(intended: string, item: KeyedItem, merge: Merge): Promise<void> {
    const current = this.hints.get(intended)?.get(item.key);
    const merged = merge(item, current);
    if (!merged) return;
    const kept: KeyedItem = { key: item.key, value: merged.value, version: merged.version };
    this.keep(intended, kept);
    await this.backing?.put(storageKey(intended, item.key), { intended, item: kept });
  }

  forKey(key: string): KeyedItem[] {
    return [...this.byKey.get(key) ?? []].map((intended) => this.hints.get(intended)!.get(key)!);
  }

  byNode(): Map<string, KeyedItem[]> {
    return new Map([...this.hints].map(([intended, items]) => [intended, [...items.values()]]));
  }

  async remove(intended: string, key: string, unchanged: (current: Item) => boolean): Promise<boolean> {
    const items = this.hints.get(intended);
    const current = items?.get(key);
    if (!items || !current || !unchanged(current)) return false;
    items.delete(key);
    if (items.size === 0) this.hints.delete(intended);
    const nodes = this.byKey.get(key)!;
    nodes.delete(intended);
    if (nodes.size === 0) this.byKey.delete(key);
    await this.backing?.del(storageKey(intended, key));
    return true;
  }

  size(): number {
    let n = 0;
    for (const items of this.hints.values()) n += items.size;
    return n;
  }

  private keep(intended: string, item: KeyedItem): void {
    let items = this.hints.get(intended);
    if (!items) this.hints.set(intended, items = new Map<string, KeyedItem>());
    items.set(item.key, item);
    let nodes = this.byKey.get(item.key);
    if (!nodes) this.byKey.set(item.key, nodes = new Set<string>());
    nodes.add(intended);
  }
}

/** Node address and key, apart: an address has no NUL. */
const storageKey = (intended: string, key: string) => `${intended}\u0000${key}`;
