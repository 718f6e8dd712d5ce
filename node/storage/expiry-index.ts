/**
 * A Store that also knows which of its keys carry an expiry, so that the head can find the
 * pairs whose time ran out without reading the rest. It wraps any store; the index is
 * rebuilt from the store (one pass) the first time it is asked, so it survives restarts.
 */
import type { Item } from '../../common/wire.js';
import { ForwardingStore } from './forwarding-store.js';

export class ExpiryIndexedStore extends ForwardingStore {
  private readonly expiries = new Map<string, number>();
  private loaded: Promise<void> | null = null;
  /** Keys written while the index loads: the load's older view of them must not win. */
  private readonly touchedWhileLoading = new Set<string>();
  private loading = false;

  /** Keys whose live value expired at or before `nowMs`. */
  async due(nowMs: number): Promise<string[]> {
    this.loaded ??= this.load();
    await this.loaded;
    return [...this.expiries].filter(([, at]) => at <= nowMs).map(([key]) => key);
  }

  override async update(key: string, change: (current: Item | undefined) => Item | undefined): Promise<boolean> {
    let written: Item | undefined;
    const changed = await this.inner.update(key, (current) => (written = change(current)));
    if (changed && written) this.note(key, written);
    return changed;
  }

  override async remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    const removed = await this.inner.remove(key, onlyIf);
    if (!removed) return false;
    if (this.loading) this.touchedWhileLoading.add(key);
    this.expiries.delete(key);
    return true;
  }

  private note(key: string, item: Item): void {
    if (this.loading) this.touchedWhileLoading.add(key);
    if (item.value !== null && item.expiresAt !== undefined) this.expiries.set(key, item.expiresAt);
    else this.expiries.delete(key);
  }

  private async load(): Promise<void> {
    this.loading = true;
    const entries = await this.inner.entries();
    this.loading = false;
    for (const { key, ...item } of entries) if (!this.touchedWhileLoading.has(key)) this.note(key, item);
    this.touchedWhileLoading.clear();
  }
}
