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
import { asChordError, PeerUnreachable } from './errors.js';
import { hashId, hexToId } from './ring.js';
import { processOf, VirtualRing } from './vnodes.js';
import type { Consistency, DeleteAnswer, PutOptions, QuorumAnswer, ValueAnswer } from './wire.js';

/** How long after learning the ring a hint that it changed waits before the ring is learned again. */
const REFRESH_EVERY_MS = 500;

/** What a router learned of the ring: enough for another router to start from without asking (a REPL's next line). */
export interface RingMap {
  /** Ring ids labelled with their processes: requests go to processes, replicas are distinct ones. */
  readonly ring: VirtualRing;
  readonly mode: Consistency;
  readonly k: number;
  readonly learnedAt: number;
}

export interface RouterOptions {
  random?: () => number;
  now?: () => number;
  /** A map learned before (by another router), used until an answer says it is stale. */
  map?: RingMap;
}

export class DirectRouter {
  private learned: RingMap | null;
  /** An answer said the map is stale; cleared once the ring is learned again. */
  private stale = false;
  private learning: Promise<void> | null = null;
  private deferred: NodeJS.Timeout | null = null;
  private readonly random: () => number;
  private readonly now: () => number;

  /** `seeds`: ring members to learn the ring from (the first that answers). */
  constructor(private readonly kv: KvClient, private readonly seeds: readonly string[], options: RouterOptions = {}) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.learned = options.map ?? null;
  }

  /** Learns the ring: its members in order, its mode and k. */
  async learn(): Promise<void> {
    this.learning ??= this.fetch().finally(() => { this.learning = null; });
    return this.learning;
  }

  /** The node to send an operation on `key` to (a seed until the ring is known). */
  target(op: 'put' | 'get' | 'delete', key: string): string {
    if (!this.learned) return this.seeds[0];
    const replicas = this.learned.ring.replicaSet(hashId(key), this.learned.k);
    if (op === 'get' && this.learned.mode === 'eventual') return replicas[Math.floor(this.random() * replicas.length)].address;
    return replicas[0].address;
  }

  /**
   * The most forwards an operation sent to its target takes: none, except a linearizable
   * read, which the head asks of the chain's tail when the key is not clean there (one, when
   * the key has more than one copy).
   */
  expectedHops(op: 'put' | 'get' | 'delete'): number {
    const { mode, k } = this.learned ?? { mode: 'linearizable', k: 1 };
    return op === 'get' && mode === 'linearizable' && Math.min(k, this.members.length) > 1 ? 1 : 0;
  }

  /** What an answer to `op` (or a failure to reach its target) says about the map: learn the ring again when it is stale. */
  observe(op: 'put' | 'get' | 'delete', answer: { hops: number } | 'unreachable'): void {
    const stale = answer === 'unreachable' || answer.hops > this.expectedHops(op);
    if (!stale) return;
    this.stale = true;
    if (this.deferred) return;
    // Learned a moment ago (perhaps just before the ring changed): learn again, but not at once.
    const wait = Math.max(0, (this.learned?.learnedAt ?? 0) + REFRESH_EVERY_MS - this.now());
    this.deferred = setTimeout(() => {
      this.deferred = null;
      void this.learn().catch(() => undefined);
    }, wait);
    this.deferred.unref();
  }

  /** Whether the ring has been learned at least once. */
  get known(): boolean {
    return this.learned !== null;
  }

  /** The map to start another router from: null when none was learned, or an answer said it is stale. */
  get map(): RingMap | null {
    return this.stale ? null : this.learned;
  }

  /** The processes of the ring, in the order their first ids appear. */
  get members(): readonly string[] {
    return this.learned?.ring.processes ?? [];
  }

  /** Drops a pending relearn (its client is about to close). */
  stop(): void {
    if (this.deferred) clearTimeout(this.deferred);
    this.deferred = null;
  }

  private async fetch(): Promise<void> {
    let lastError: unknown;
    for (const seed of [...this.members, ...this.seeds]) {
      try {
        const [overlay, status] = await Promise.all([this.kv.overlay(seed), this.kv.status(seed)]);
        const ring = new VirtualRing(overlay.nodes.map((n) => ({ id: hexToId(n.id), address: processOf(n.address) })));
        this.learned = { ring, mode: status.consistency, k: status.k, learnedAt: this.now() };
        this.stale = false;
        return;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }
}

type Op = 'put' | 'get' | 'delete';

/**
 * KvClient's key operations sent token-aware: each to the node that answers it, by a map of
 * the ring learned from `seeds` on first use. When a request fails in a way that proves it
 * did nothing, it is sent once more after the ring is learned again: to its new target or,
 * when the map still names the same node, to another member, which routes it. For a write
 * that proof is only a refused connection (ECONNREFUSED): a reset, a timeout or an error
 * answer (even RING_CHANGING) may come after the write was applied, and sending it again,
 * with a new write id, would apply it twice. A read may be sent again after any of those.
 */
export class DirectKvClient {
  readonly router: DirectRouter;
  private readonly random: () => number;

  constructor(private readonly kv: KvClient, seeds: readonly string[], options: RouterOptions = {}) {
    this.router = new DirectRouter(kv, seeds, options);
    this.random = options.random ?? Math.random;
  }

  write(key: string, value: string, options: PutOptions = {}): Promise<ValueAnswer | QuorumAnswer> {
    return this.send('put', key, (node) => this.kv.write(node, key, value, options));
  }

  read(key: string): Promise<ValueAnswer | QuorumAnswer> {
    return this.send('get', key, (node) => this.kv.read(node, key));
  }

  delete(key: string, options: { context?: string } = {}): Promise<DeleteAnswer> {
    return this.send('delete', key, (node) => this.kv.delete(node, key, options));
  }

  private async send<A extends { hops: number }>(op: Op, key: string, call: (node: string) => Promise<A>): Promise<A> {
    if (!this.router.known) await this.router.learn();
    const node = this.router.target(op, key);
    try {
      const answer = await call(node);
      this.router.observe(op, answer);
      return answer;
    } catch (err) {
      // Whether or not it may be sent again, a node that did not answer says the map may be stale.
      if (mapMayBeStale(err)) this.router.observe(op, 'unreachable');
      if (!safeToResend(err, op)) throw err;
      await this.router.learn().catch(() => undefined);
      const next = this.router.target(op, key);
      const others = this.router.members.filter((m) => m !== node);
      return call(next !== node || others.length === 0 ? next : others[Math.floor(this.random() * others.length)]);
    }
  }
}

/** Whether a failure says the node the map named may be gone, hung or no longer the key's: unreachable, timed out, or the ring changing. */
export function mapMayBeStale(err: unknown): boolean {
  const code = asChordError(err).code;
  return err instanceof PeerUnreachable || code === 'PEER_TIMEOUT' || code === 'RING_CHANGING' || code === 'NOT_READY';
}

/**
 * Whether sending a failed request again is safe: a write or delete only if it never reached
 * a node, a read after any failure to reach or a changing ring. Every token-aware sender
 * (DirectKvClient, `chordkv file --direct`) resends by this rule.
 */
export function safeToResend(err: unknown, op: Op): boolean {
  if (err instanceof PeerUnreachable && (err.cause as { code?: unknown } | undefined)?.code === 'ECONNREFUSED') return true;
  return op === 'get' && mapMayBeStale(err);
}
