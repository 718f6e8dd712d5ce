/**
 * Token-aware routing for clients (as Cassandra's and Riak's drivers do): learn the ring
 * once (GET /overlay, GET /status), compute each key's owner and replicas here, and send a
 * request straight to the node that will answer it, so that it needs no forward. Writes go
 * to the key's owner (the head, or the quorum's coordinator); reads too, except in an
 * eventual ring, where any replica answers from its own copy. The ring is learned again
 * when an answer says it took a forward (the map is stale: a node joined or left) or a node
 * stopped answering; until then a stale map costs hops, never a wrong answer, because every
 * node routes whatever reaches it.
 */
import type { KvClient } from './client.js';
import { hashId, hexToId } from './ring.js';
import { processOf, VirtualRing } from './vnodes.js';
import type { Consistency } from './wire.js';

/** How long after learning the ring a hint that it changed waits before the ring is learned again. */
const REFRESH_EVERY_MS = 500;

export class DirectRouter {
  /** Ring ids labelled with their processes: requests go to processes, replicas are distinct ones. */
  private ring: VirtualRing | null = null;
  private mode: Consistency = 'linearizable';
  private k = 1;
  private learning: Promise<void> | null = null;
  private learnedAt = 0;
  private deferred: NodeJS.Timeout | null = null;

  /** `seeds`: ring members to learn the ring from (the first that answers). */
  constructor(
    private readonly kv: KvClient, private readonly seeds: readonly string[],
    private readonly random: () => number = Math.random, private readonly now: () => number = Date.now,
  ) {}

  /** Learns the ring: its members in order, its mode and k. */
  async learn(): Promise<void> {
    this.learning ??= this.fetch().finally(() => { this.learning = null; });
    return this.learning;
  }

  /** The node to send an operation on `key` to (a seed until the ring is known). */
  target(op: 'put' | 'get' | 'delete', key: string): string {
    if (!this.ring) return this.seeds[0];
    const replicas = this.ring.replicaSet(hashId(key), this.k);
    if (op === 'get' && this.mode === 'eventual') return replicas[Math.floor(this.random() * replicas.length)].address;
    return replicas[0].address;
  }

  /**
   * The most forwards an operation sent to its target takes: none, except a linearizable
   * read, which the head asks of the chain's tail when the key is not clean there (one, when
   * the key has more than one copy).
   */
  expectedHops(op: 'put' | 'get' | 'delete'): number {
    return op === 'get' && this.mode === 'linearizable' && Math.min(this.k, this.members.length) > 1 ? 1 : 0;
  }

  /** What an answer to `op` (or a failure to reach its target) says about the map: learn the ring again when it is stale. */
  observe(op: 'put' | 'get' | 'delete', answer: { hops: number } | 'unreachable'): void {
    const stale = answer === 'unreachable' || answer.hops > this.expectedHops(op);
    if (!stale || this.deferred) return;
    // Learned a moment ago (perhaps just before the ring changed): learn again, but not at once.
    const wait = Math.max(0, this.learnedAt + REFRESH_EVERY_MS - this.now());
    this.deferred = setTimeout(() => {
      this.deferred = null;
      void this.learn().catch(() => undefined);
    }, wait);
    this.deferred.unref();
  }

  /** The processes of the ring, in the order their first ids appear. */
  get members(): readonly string[] {
    return this.ring?.processes ?? [];
  }

  private async fetch(): Promise<void> {
    let lastError: unknown;
    for (const seed of [...this.members, ...this.seeds]) {
      try {
        const [overlay, status] = await Promise.all([this.kv.overlay(seed), this.kv.status(seed)]);
        this.ring = new VirtualRing(overlay.nodes.map((n) => ({ id: hexToId(n.id), address: processOf(n.address) })));
        this.mode = status.consistency;
        this.k = status.k;
        this.learnedAt = this.now();
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }
}
