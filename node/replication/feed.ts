/**
 * The changes a node acknowledged as a key's head, newest last, for watchers: a bounded log
 * (the oldest events fall off), numbered in the order this node acknowledged them, and ways
 * to wait for the next change of one key or of any key.
 */
import { BoundedMap } from '../../common/bounded-map.js';
import type { KeyedItem, Version } from '../../common/wire.js';
import type { VersionPolicy } from '../versions/policy.js';
import { extended } from '../../common/objects.js';

/** Events kept: enough for watchers that poll continuously; one that falls behind catches up from the store. */
const MAX_EVENTS = 10_000;
/**
 * And of keys and values, in characters, this much (the log may grow to twice as much, and
 * to twice MAX_EVENTS, before it is cut back): events keep their values, so 10,000 of them
 * could otherwise hold gigabytes of large values.
 */
export const MAX_FEED_CHARS = 64 * 1024 * 1024;

/** A recorded change, its number in this node's feed, and when (epoch ms) it was acknowledged. */
export type FeedEntry = KeyedItem & { seq: number; at: number };

export class ChangeFeed {
  private events: FeedEntry[] = [];
  /** The characters of the kept events' keys and values. */
  private chars = 0;
  /** Each key's last recorded version, for keys with events still kept. */
  private readonly last = new BoundedMap<string, Version>(2 * MAX_EVENTS);
  private seq = 0;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly anyWaiters = new Set<() => void>();

  constructor(private readonly versions?: Pick<VersionPolicy, 'same' | 'later'>, private readonly maxChars = MAX_FEED_CHARS) {}

  /** The number of the latest change recorded (0: none yet). */
  get latest(): number {
    return this.seq;
  }

  /**
   * Records an acknowledged write and wakes whoever waits for its key, or for any key. A write
   * acknowledged after a later one of its key (two trips down the chain that ended out of
   * order, or a retry answered after another write) is no news: the later one stands.
   */
  append(item: KeyedItem): void {
    const last = this.last.get(item.key);
    if (last !== undefined && this.versions && (this.versions.same(last, item.version) || this.versions.later(last, item.version))) return;
    this.last.set(item.key, item.version);
    this.events.push(extended(item, { seq: ++this.seq, at: Date.now() }));
    this.chars += charsOf(item);
    // Trimmed to half of what it may grow to, so that the copy happens once per many appends.
    if (this.events.length > 2 * MAX_EVENTS || this.chars > 2 * this.maxChars) this.trim();
    // Most writes have nobody waiting: no copies then. A wake-up only removes itself from its
    // set (which iteration allows) and adds nothing before its promise's callbacks run.
    const keyed = this.waiters.get(item.key);
    if (keyed) for (const wake of keyed) wake();
    for (const wake of this.anyWaiters) wake();
  }

  /** Keeps the newest events, at most MAX_EVENTS of them and `maxChars` (the newest one always). */
  private trim(): void {
    let start = this.events.length - 1;
    let chars = charsOf(this.events[start]);
    while (start > 0 && this.events.length - start < MAX_EVENTS && chars + charsOf(this.events[start - 1]) <= this.maxChars) {
      start--;
      chars += charsOf(this.events[start]);
    }
    this.events = this.events.slice(start);
    this.chars = chars;
  }

  /** The recorded changes of `key` that pass `isNew`, oldest first. */
  changes(key: string, isNew: (item: KeyedItem) => boolean): FeedEntry[] {
    return this.events.filter((e) => e.key === key && isNew(e));
  }

  /** The recorded changes numbered after `afterSeq`, acknowledged at `sinceMs` or later, whose keys start with `prefix`, oldest first. */
  changesAfter(prefix: string, afterSeq: number, sinceMs = 0): FeedEntry[] {
    return this.events.filter((e) => e.seq > afterSeq && e.at >= sinceMs && e.key.startsWith(prefix));
  }

  /** Resolves at the next change of `key` (or of any key, without one), or after `timeoutMs`. */
  next(key: string | undefined, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiting = key === undefined ? this.anyWaiters : (this.waiters.get(key) ?? new Set<() => void>());
      if (key !== undefined) this.waiters.set(key, waiting);
      const wake = () => {
        clearTimeout(timer);
        waiting.delete(wake);
        if (key !== undefined && waiting.size === 0 && this.waiters.get(key) === waiting) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      timer.unref(); // a poll waiting for a change must not keep a stopping process alive
      waiting.add(wake);
    });
  }
}

const charsOf = (item: KeyedItem) => item.key.length + (item.value?.length ?? 0);
