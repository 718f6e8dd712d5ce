/**
 * Eventual mode: the head acknowledges as soon as it has applied a write and passes
 * it on in the background. Keys waiting to be passed on are coalesced (only the newest
 * version travels) and sent in batches; a failed send is retried, so replicas converge
 * once writes stop. Any holder of a copy may answer a read.
 */
import { isLive, type KeyedItem, type OpAnswer } from '../../common/wire.js';
import { apply } from '../rpc/replication.js';
import { ChordError } from '../../common/errors.js';
import { applyAtHead, isConditional, readAnswer, writeAnswer } from './head.js';
import type { ReplicationCallbacks, ReplicationComponents, ReplicationStrategy, WriteRequest } from './strategy.js';

const RETRY_DELAY_MS = 200;

export class EventualReplication implements ReplicationStrategy {
  readonly mode = 'eventual' as const;
  readonly handlers = [];
  private readonly queued = new Set<string>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private sending: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly components: ReplicationComponents, private readonly callbacks: ReplicationCallbacks) {}

  async readOnPath(key: string, hops: number): Promise<OpAnswer | undefined> {
    const now = this.components.now();
    const local = await this.components.store.get(key);
    return isLive(local, now) ? readAnswer(key, local, this.components.self.address, hops, now) : undefined;
  }

  async write(request: WriteRequest): Promise<OpAnswer> {
    if (isConditional(request)) {
      // The owner cannot compare with writes a failed predecessor acknowledged but never passed on.
      throw new ChordError('CONDITIONAL_WRITE_UNSUPPORTED', 'compare-and-set (ifVersion, ifAbsent) needs a linearizable ring; this ring is eventual');
    }
    const item = await applyAtHead(this.components.store, this.components.versions, request, this.components.now());
    this.callbacks.onAcknowledged(item);
    if (this.components.chain().length > 0) {
      this.queued.add(item.key);
      this.schedule();
    }
    return writeAnswer(request, item, this.components.self.address);
  }

  async read(key: string, hops: number): Promise<OpAnswer> {
    return readAnswer(key, await this.components.store.get(key), this.components.self.address, hops, this.components.now());
  }

  backlog(): number {
    return this.queued.size;
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
    if (this.timer) clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.sending || this.closed) return;
    // Propagation runs after the writes have been answered, for many of them at once, and
    // retries until it succeeds: it serves no one request, so it carries no request id.
    this.timer = setImmediate(() => {
      this.timer = null;
      this.sending = this.send().finally(() => {
        this.sending = null;
        if (this.queued.size > 0) this.schedule();
      });
    });
  }

  private async send(): Promise<void> {
    const { store, rpc, log } = this.components;
    const keys = [...this.queued];
    this.queued.clear();
    const items: KeyedItem[] = [];
    for (const key of keys) {
      const item = await store.get(key);
      if (item) items.push({ key, ...item });
    }
    const results = await Promise.allSettled(this.components.chain().map((member) => rpc.call(apply, member.address, { items })));
    if (results.some((r) => r.status === 'rejected')) {
      // Re-send the whole batch: applying is idempotent (the newer version wins).
      keys.forEach((key) => this.queued.add(key));
      log.warn(`eventual propagation of ${keys.length} keys failed; retrying`, { keys: keys.length });
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}
