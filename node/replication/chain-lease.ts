/**
 * Chain-membership leases, so that a chain's middle nodes and its tail may answer reads of
 * keys clean there from their own copies (CRAQ), not only its head.
 *
 * A member may answer only while it is sure that every write the head acknowledges passes
 * through it. The head is what changes that: it switches its chain (a member dropped) or
 * admits a joiner before it (the joiner heads part of its range, through a chain without the
 * old tail). So a member asks each head it replicates for a lease, counted from when it
 * asked, and the head honours them: before either change it stops granting and waits until
 * every lease it granted has run out (`drained`). A head grants only while it holds its own
 * read lease and for no longer than that has left, so a head that was replaced after a crash
 * without knowing it cannot vouch for anyone past its successor's wait (read-lease.ts).
 * Lease times are durations on each node's monotonic clock.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../common/log.js';
import { hexToId, idToHex, inHalfOpen } from '../../common/ring.js';
import { fromMemberJson, sameMember, toMemberJson, type Member, type MemberJson } from '../../common/wire.js';
import type { Lifecycle } from '../lifecycle.js';
import { chainLease as chainLeaseCall, type ChainLeaseAnswer } from '../rpc/replication.js';
import type { RpcClient } from '../rpc/spec.js';
import type { RoutingTable } from '../routing.js';

export interface ChainLeaseComponents {
  readonly routing: RoutingTable;
  readonly lifecycle: Pick<Lifecycle, 'state'>;
  readonly rpc: RpcClient;
  readonly log: Logger;
  /** The chain this node's writes go down now (head side). */
  chain(): readonly Member[];
  /** Where the range begins that the active chain holds every pair of (head side); undefined: none yet. */
  pushedRangeFrom(): bigint | undefined;
  /** Milliseconds left of the read lease this node holds from its successor (0: none). */
  readLeaseLeft(): number;
  /** How many heads a node replicates for besides itself: k - 1. */
  headsToAsk(): number;
}

export type { ChainLeaseAnswer };

/**
 * Shorter than a read lease (a head grants no longer than its own has left), and short
 * because a head waits out the leases it granted inside a chain switch and an admission,
 * which run within other nodes' call deadlines (1.5 s in the torture run). Members renew
 * when half of one has gone, so a node under reads asks each of its heads a few times a
 * second; an idle one asks nothing.
 */
export const CHAIN_LEASE_MS = 500;

interface Held {
  readonly from: bigint;
  readonly to: bigint;
  readonly until: number;
}

export class ChainLeases {
  /** Head side: when the last lease granted runs out, on this node's clock. */
  private grantedUntil = 0;
  /** Head side: changes waiting for the granted leases to run out; no lease is granted meanwhile. */
  private draining = 0;
  /** Member side: the leases held, by the head's address. */
  private held = new Map<string, Held>();
  private askedAt = -Infinity;
  private asking = false;

  constructor(
    private readonly components: ChainLeaseComponents,
    private readonly leaseMs: number = CHAIN_LEASE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Head side: a lease for `asker` if it is in this node's active chain and this node holds its own read lease. */
  grant(asker: MemberJson): ChainLeaseAnswer {
    const { routing, lifecycle } = this.components;
    const left = this.components.readLeaseLeft();
    const member = fromMemberJson(asker);
    const leaseMs = Math.min(this.leaseMs, left);
    // The range the chain was given, not the one the routing table says now: a range that
    // grew (a depart, a takeover) may hold pairs its chain has not been sent yet.
    const from = this.components.pushedRangeFrom();
    const granted = lifecycle.state === 'ready' && this.draining === 0 && leaseMs > 0 && from !== undefined
      && this.components.chain().some((m) => sameMember(m, member));
    if (granted) this.grantedUntil = Math.max(this.grantedUntil, this.now() + leaseMs);
    const predecessor = routing.predecessor;
    return {
      granted,
      leaseMs,
      from: from === undefined || from === routing.self.id ? null : idToHex(from),
      predecessor: predecessor && !routing.isSelf(predecessor) ? toMemberJson(predecessor) : null,
    };
  }

  /**
   * Head side: runs `change` (a chain switch, admitting a joiner) once no lease this node
   * granted can be in force, granting none until it is done.
   */
  async drained<T>(change: () => T | Promise<T>): Promise<T> {
    this.draining++;
    try {
      // A timer may fire a little before its time by this clock (it counts from the loop's
      // cached time): wait again for what is left. At most three timers, because under the
      // simulator (sim/) timers run on simulated time while this clock stays real.
      for (let timers = 0, waitMs = this.grantedUntil - this.now(); waitMs > 0 && timers < 3; timers++, waitMs = this.grantedUntil - this.now()) {
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
      }
      return await change();
    } finally {
      this.draining--;
    }
  }

  /**
   * Member side: whether a lease in force covers ring id `id`. Asks for leases in the
   * background when one is missing or half gone (at most once per quarter lease).
   */
  covers(id: bigint): boolean {
    const now = this.now();
    let covered = false;
    let stale = this.held.size === 0;
    for (const lease of this.held.values()) {
      if (lease.until - now < this.leaseMs / 2) stale = true;
      if (now < lease.until && inHalfOpen(id, lease.from, lease.to)) covered = true;
    }
    if (stale && !this.asking && now - this.askedAt >= this.leaseMs / 4) {
      this.askedAt = now;
      this.asking = true;
      void this.ask().finally(() => { this.asking = false; });
    }
    return covered;
  }

  /** Asks back along the ring, from the predecessor, until a head refuses or k - 1 granted. */
  private async ask(): Promise<void> {
    const { routing, rpc, log } = this.components;
    // A predecessor counted failed is not asked: it may be gone, and a call would wait out its deadline.
    let head: Member | undefined = routing.predecessorAlive ? routing.predecessor ?? undefined : undefined;
    const held = new Map([...this.held].filter(([, lease]) => this.now() < lease.until));
    for (let i = 0; head && !routing.isSelf(head) && i < this.components.headsToAsk(); i++) {
      const sentAt = this.now();
      let answer: ChainLeaseAnswer;
      try {
        answer = await rpc.call(chainLeaseCall, head.address, { node: toMemberJson(routing.self) });
      } catch (err) {
        if (log.debugEnabled) log.debug(`chain lease from ${head.address}: ${(err as Error).message}`, { peer: head.address });
        break;
      }
      if (!answer.granted) break;
      held.set(head.address, {
        from: answer.from === null ? head.id : hexToId(answer.from),
        to: head.id,
        until: sentAt + Math.min(answer.leaseMs, this.leaseMs),
      });
      head = answer.predecessor ? fromMemberJson(answer.predecessor) : undefined;
    }
    this.held = held;
  }
}
