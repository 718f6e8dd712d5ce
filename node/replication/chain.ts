/**
 * Linearizable mode: chain replication. The head has already ordered and applied the
 * write; it travels down the chain and is acknowledged only when the tail has applied it.
 * Reads are answered by the tail. Writes headed for the same chain within one tick share
 * one message, which keeps the chain busy without more round trips.
 */
import type { KeyedItem } from '../../common/wire.js';
import type { ReadResult, ReplicationContext, ReplicationStrategy } from './strategy.js';

interface Batch {
  addresses: string[];
  items: KeyedItem[];
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

export class ChainReplication implements ReplicationStrategy {
  readonly name = 'linearizable' as const;
  readonly readsFromAnyCopy = false;
  private readonly pending = new Map<string, Batch>();
  private inFlight = new Set<Promise<unknown>>();

  constructor(private readonly ctx: ReplicationContext) {}

  replicate(item: KeyedItem): Promise<void> {
    const addresses = this.ctx.chain().map((peer) => peer.address);
    if (addresses.length === 0) return Promise.resolve();
    const id = addresses.join(' ');
    let batch = this.pending.get(id);
    if (!batch) {
      batch = { addresses, items: [], waiters: [] };
      this.pending.set(id, batch);
      setImmediate(() => this.send(id));
    }
    batch.items.push(item);
    const waiters = batch.waiters;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  async readAtHead(key: string, hops: number): Promise<ReadResult> {
    const tail = this.ctx.chain().at(-1);
    if (!tail) return { item: await this.ctx.store.get(key), node: this.ctx.self.address, hops };
    const answer = await this.ctx.peers.read(tail.address, key, hops + 1);
    return { item: answer.item ?? undefined, node: answer.node, hops: answer.hops };
  }

  async flush(): Promise<void> {
    while (this.pending.size > 0 || this.inFlight.size > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled([...this.inFlight]);
    }
  }

  close(): void {}

  private send(id: string): void {
    const batch = this.pending.get(id);
    if (!batch) return;
    this.pending.delete(id);
    const [first, ...rest] = batch.addresses;
    const call = this.ctx.peers.chain(first, { items: batch.items, rest }).then(
      () => batch.waiters.forEach((w) => w.resolve()),
      (err) => batch.waiters.forEach((w) => w.reject(err)),
    );
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }
}
