/**
 * A Store that tells listeners which key changed, after every successful update or remove,
 * so that something derived from its contents (the Merkle trees of node/merkle/) can follow
 * it write by write instead of rereading it. It wraps any store and changes nothing it does.
 */
import type { Item } from '../../common/wire.js';
import { ForwardingStore } from './forwarding-store.js';

export class NotifyingStore extends ForwardingStore {
  private readonly listeners: ((key: string) => void)[] = [];

  /** Calls `listener` with the key of every change from now on (after the change is in the store). */
  onChange(listener: (key: string) => void): void {
    this.listeners.push(listener);
  }

  override async update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    const changed = await this.inner.update(key, change);
    if (changed) this.changed(key);
    return changed;
  }

  override async remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    const removed = await this.inner.remove(key, onlyIf);
    if (removed) this.changed(key);
    return removed;
  }

  private changed(key: string): void {
    for (const listener of this.listeners) listener(key);
  }
}
