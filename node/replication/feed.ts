/**
 * The changes a node acknowledged as a key's head, newest last, for watchers: a bounded log
 * (the oldest events fall off) and a way to wait for the next change of one key.
 */
import type { KeyedItem } from '../../common/wire.js';

/** Events kept: enough for watchers that poll continuously; one that falls behind catches up from the store. */
const MAX_EVENTS = 10_000;

export class ChangeFeed {
  private events: KeyedItem[] = [];
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Records an acknowledged write and wakes whoever waits for its key. */
  append(item: KeyedItem): void {
    this.events.push(item);
    if (this.events.length > 2 * MAX_EVENTS) this.events = this.events.slice(-MAX_EVENTS);
    const waiting = this.waiters.get(item.key);
    this.waiters.delete(item.key);
    waiting?.forEach((wake) => wake());
  }

  /** The recorded changes of `key` that pass `isNew`, oldest first. */
  changes(key: string, isNew: (item: KeyedItem) => boolean): KeyedItem[] {
    return this.events.filter((e) => e.key === key && isNew(e));
  }

  /** Resolves at the next change of `key`, or after `timeoutMs`. */
  next(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.waiters.get(key) ?? new Set<() => void>();
      this.waiters.set(key, waiting);
      const wake = () => {
        clearTimeout(timer);
        waiting.delete(wake);
        if (waiting.size === 0 && this.waiters.get(key) === waiting) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      timer.unref(); // a poll waiting for a change must not keep a stopping process alive
      waiting.add(wake);
    });
  }
}
