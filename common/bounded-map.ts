/**
 * A Map that keeps at most `max` entries, forgetting the oldest first: memories a node keeps
 * of recent traffic (write ids, versions) must not grow with it.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly oldest = new MapCursor(this.entries);

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Sets `key` as the newest entry, forgetting the oldest beyond `max`. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size <= this.max) return;
    // Every entry the cursor passed was deleted here, so the next one is the oldest.
    const [oldest] = (this.oldest.next() ?? this.oldest.next())!;
    this.entries.delete(oldest);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Oldest first. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries[Symbol.iterator]();
  }
}

/**
 * Walks a Map in insertion order across calls, resuming after the last entry it returned.
 * A Map used as a queue (add the newest, delete the oldest) must not start a fresh iterator
 * for each eviction: V8 leaves a deleted entry's slot in the table until it next rehashes it,
 * and a fresh iterator steps over every such slot from the start, so each eviction would cost
 * as many steps as there were evictions since the last rehash (44 µs per set in a map of
 * 50,000 here, against 0.3 µs while it fills). Entries added or moved to the end after the
 * cursor's place are still met; an entry the cursor returned and that stays is not met again
 * until the walk starts over.
 */
export class MapCursor<K, V> {
  private iterator?: Iterator<[K, V]>;

  constructor(private readonly map: Map<K, V>) {}

  /** The next entry of the walk; undefined at the end of the map, after which the next call starts over. */
  next(): [K, V] | undefined {
    this.iterator ??= this.map.entries();
    const step = this.iterator.next();
    if (!step.done) return step.value;
    this.iterator = undefined;
    return undefined;
  }
}
