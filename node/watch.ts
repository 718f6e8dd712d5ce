/**
 * Watching a key. The key's owner answers long polls from its change feed: the changes after
 * the version a watcher saw last, or (when its feed does not reach back, as after the key
 * changed owner) the key as it now is. The node a watcher is connected to polls whichever
 * node owns the key now, so a stream survives a change of owner.
 */
import { isGone, NotReady, retryOf } from '../common/errors.js';
import { hashId, idToHex } from '../common/ring.js';
import type { Item, KeyedItem, Member, Version, WatchEvent } from '../common/wire.js';
import type { Lifecycle } from './lifecycle.js';
import type { ChangeFeed } from './replication/feed.js';
import { watch as watchCall, watchPrefix as watchPrefixCall } from './rpc/replication.js';
import type { FindSuccessorAnswer } from './rpc/routing.js';
import type { RpcClient } from './rpc/spec.js';
import type { RoutingTable } from './routing.js';
import type { VersionPolicy } from './versions/policy.js';

/** How long one poll waits for a change before answering empty. */
export const POLL_WAIT_MS = 10_000;

/** How often a prefix watcher looks for nodes that joined the ring. */
const DISCOVER_EVERY_MS = 1000;

export interface WatchComponents {
  readonly routing: RoutingTable;
  readonly lifecycle: Lifecycle;
  readonly feed: ChangeFeed;
  /**
   * The key's pair as last acknowledged, here at its owner (not a head's write still on its
   * way down the chain, which may yet be lost).
   */
  acknowledged(key: string): Promise<Item | undefined>;
  readonly versions: VersionPolicy;
  readonly rpc: RpcClient;
  findSuccessor(idHex: string, hops: number, reqId?: string): Promise<FindSuccessorAnswer>;
  /** The ring's members in order (see Neighbours.overlay). */
  overlay(): Promise<Member[]>;
}

const toEvent = (item: KeyedItem, catchUp = false): WatchEvent => ({
  key: item.key, value: item.value, version: item.version, deleted: item.value === null, ...(catchUp ? { catchUp } : {}),
});

export class Watches {
  constructor(private readonly components: WatchComponents) {}

  /**
   * At the key's owner: the changes after `after` (null: the key had no version), waiting up to
   * `waitMs` for one; with `after` undefined, just the key's current version.
   */
  async poll(key: string, after: Version | null | undefined, waitMs: number): Promise<{ events: WatchEvent[]; version?: Version | null }> {
    const { routing, lifecycle, feed, versions } = this.components;
    lifecycle.assertMember();
    const owned = () => {
      if (!routing.owns(hashId(key))) throw new NotReady(`${routing.self.address} does not own ${JSON.stringify(key)} (any more)`, 'RING_CHANGING');
    };
    owned();
    if (after === undefined) return { events: [], version: (await this.components.acknowledged(key))?.version ?? null };
    const isNew = (item: { version: Version }) => after === null || versions.later(item.version, after);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const seen = feed.latest;
      const changes = feed.changes(key, isNew);
      if (changes.length > 0) return { events: changes.map((c) => toEvent(c)) };
      // Changes this node did not record (it became the owner since): the key as it is now.
      const current = await this.components.acknowledged(key);
      if (current && isNew(current)) return { events: [toEvent({ key, ...current }, true)] };
      const left = deadline - Date.now();
      if (left <= 0) return { events: [] };
      // A change recorded while that read was under way (it may ask the tail) would not wake
      // the wait below, which would then sleep through it: look at the feed again first.
      const late = feed.latest === seen ? [] : feed.changes(key, isNew);
      if (late.length > 0) return { events: late.map((c) => toEvent(c)) };
      await feed.next(key, left);
      owned();
    }
  }

  /** At any node: the changes it acknowledged as head after `afterSeq` (not before `sinceMs`) whose keys start with `prefix`. */
  async pollPrefix(prefix: string, afterSeq: number, sinceMs: number, waitMs: number): Promise<{ events: WatchEvent[]; seq: number }> {
    const { lifecycle, feed } = this.components;
    lifecycle.assertMember();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const changes = feed.changesAfter(prefix, afterSeq, sinceMs);
      if (changes.length > 0) return { events: changes.map((c) => toEvent(c)), seq: changes.at(-1)!.seq };
      const left = deadline - Date.now();
      if (left <= 0) return { events: [], seq: Math.max(afterSeq, feed.latest) };
      await feed.next(undefined, left);
    }
  }

  /**
   * At the node a watcher is connected to: every change of a key starting with `prefix`,
   * acknowledged from the moment this resolves, until `signal` aborts. Every member is polled
   * (any may head such a key); members that join are found within a second and read from
   * the watch's start; a key's events stay in version order (an older one arriving late, from
   * a node that has since handed the key on, is dropped).
   */
  async openPrefix(prefix: string, signal: AbortSignal, reqId?: string): Promise<AsyncGenerator<WatchEvent>> {
    this.components.lifecycle.assertReady();
    // Every node reports the changes it acknowledged since this moment (by its own clock:
    // across machines, clocks that disagree by d move the start by up to d).
    const sinceMs = Date.now();
    const members = await this.components.overlay();
    return this.followPrefix(prefix, sinceMs, members.map((m) => m.address), signal, reqId);
  }

  private async *followPrefix(prefix: string, sinceMs: number, members: string[], signal: AbortSignal, reqId: string | undefined): AsyncGenerator<WatchEvent> {
    const { rpc, versions } = this.components;
    const cursors = new Map<string, number>();
    const lastVersion = new Map<string, Version>();
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    const polling = new Set<string>();
    const poll = async (address: string) => {
      polling.add(address);
      while (!signal.aborted) {
        try {
          const answer = await rpc.call(watchPrefixCall, address, { prefix, afterSeq: cursors.get(address) ?? 0, sinceMs, waitMs: POLL_WAIT_MS }, reqId);
          cursors.set(address, answer.seq);
          for (const event of answer.events) {
            const last = lastVersion.get(event.key);
            if (last !== undefined && !versions.later(event.version, last)) continue;
            lastVersion.set(event.key, event.version);
            queue.push(event);
          }
          wake?.();
        } catch (err) {
          if (isGone(err, address)) break; // it left or died; if it comes back, discovery polls it again
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      polling.delete(address);
      cursors.delete(address);
    };
    const discover = async () => {
      const ring = await this.components.overlay().catch(() => [] as Member[]);
      for (const { address } of ring) if (!polling.has(address)) void poll(address);
    };
    for (const address of members) void poll(address);
    const timer = setInterval(() => void discover(), DISCOVER_EVERY_MS);
    timer.unref();
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      while (!signal.aborted) {
        if (queue.length === 0) await Promise.race([new Promise<void>((resolve) => { wake = resolve; }), aborted]);
        wake = undefined;
        while (queue.length > 0 && !signal.aborted) yield queue.shift()!;
      }
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * At the node a watcher is connected to: resolves once the key's current version is known
   * (so that nothing written after this resolves is missed), with every change from then on,
   * until `signal` aborts.
   */
  async open(key: string, signal: AbortSignal, reqId?: string): Promise<AsyncGenerator<WatchEvent>> {
    this.components.lifecycle.assertReady();
    const start = await this.ask(key, undefined, signal, reqId);
    return this.follow(key, start?.version ?? null, signal, reqId);
  }

  private async *follow(key: string, from: Version | null, signal: AbortSignal, reqId: string | undefined): AsyncGenerator<WatchEvent> {
    let after = from;
    while (!signal.aborted) {
      for (const event of (await this.ask(key, after, signal, reqId))?.events ?? []) {
        if (signal.aborted) return;
        yield event;
        after = event.version;
      }
    }
  }

  /** One poll at whichever node owns `key` now; retried while the owner changes; undefined once aborted. */
  private async ask(key: string, after: Version | null | undefined, signal: AbortSignal, reqId: string | undefined) {
    const idHex = idToHex(hashId(key));
    while (!signal.aborted) {
      try {
        const { node: owner } = await this.components.findSuccessor(idHex, 0, reqId);
        return await this.components.rpc.call(watchCall, owner.address, { key, ...(after !== undefined ? { after } : {}), waitMs: POLL_WAIT_MS }, reqId);
      } catch (err) {
        if (retryOf(err) === 'never') throw err;
        await new Promise((resolve) => setTimeout(resolve, 100)); // the owner is changing: ask again soon
      }
    }
    return undefined;
  }
}
