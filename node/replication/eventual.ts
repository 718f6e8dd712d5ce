/**
 * Eventual mode: the head acknowledges as soon as it has applied a write and passes
 * it on in the background. Keys waiting to be passed on are coalesced (only the newest
 * version travels) and sent in batches; a failed send is retried, so replicas converge
 * once writes stop. Any holder of a copy may answer a read.
 */
import type { KeyedItem } from '../../common/wire.js';
import type { ReadResult, ReplicationContext, ReplicationStrategy } from './strategy.js';

const RETRY_DELAY_MS = 200;

export class EventualReplication implements ReplicationStrategy {
  readonly name = 'eventual' as const;
  readonly readsFromAnyCopy = true;
  private queued = new Set<string>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private sending: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly ctx: ReplicationContext) {}

  async replicate(item: KeyedItem): Promise<void> {
    if (this.ctx.chain().length === 0) return;
    this.queued.add(item.key);
    this.schedule(0);
  }

  async readAtHead(key: string, hops: number): Promise<ReadResult> {
    return { item: await this.ctx.store.get(key), node: this.ctx.self.address, hops };
  }

  /**
   * Waits for queued keys to be passed on, but not forever: with a chain member gone the
   * sender retries until maintenance replaces it, and a depart must not hang on that
   * (it pushes everything it holds to its successor anyway, and reconcile repairs chains).
   */
  async flush(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queued.size > 0 || this.sending || this.timer) && Date.now() < deadline) {
      await (this.sending ?? new Promise((resolve) => setTimeout(resolve, 10)));
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.sending || this.closed) return;
    const run = () => {
      this.timer = null;
      this.sending = this.send().finally(() => {
        this.sending = null;
        if (this.queued.size > 0) this.schedule(0);
      });
    };
    this.timer = delayMs === 0 ? setImmediate(run) : setTimeout(run, delayMs);
  }

  private async send(): Promise<void> {
    const keys = [...this.queued];
    this.queued.clear();
    const items: KeyedItem[] = [];
    for (const key of keys) {
      const item = await this.ctx.store.get(key);
      if (item) items.push({ key, ...item });
    }
    const results = await Promise.allSettled(
      this.ctx.chain().map((peer) => this.ctx.peers.apply(peer.address, { items })),
    );
    if (results.some((r) => r.status === 'rejected')) {
      // Re-send the whole batch: applying is idempotent (newer version wins).
      keys.forEach((key) => this.queued.add(key));
      this.ctx.log.warn(`eventual propagation of ${keys.length} keys failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}
