/**
 * Read leases, so that a chain's head may answer reads of its clean keys itself (as CRAQ's
 * chain nodes do) and still never answer after it was replaced without knowing it. The head
 * also writes only under one: a write it applied after it was replaced would take a version
 * newer than the writes its successor acknowledged meanwhile, and undo them.
 *
 * Only a node's successor takes over its range, and only once it no longer counts the node
 * alive. The head asks its successor for a lease; the successor grants it only to its live
 * predecessor, and once the predecessor stops counting as alive — however that came about:
 * its check, routing evicting it, a failed notify (the routing table reports each) — it waits
 * one lease length before it takes the range over. Every lease the head holds was granted
 * before that moment, counted from before it asked, so it has run out by then: a head cut off
 * from its successor stops answering from its own copy before anyone else answers for its
 * range. Lease times are durations on each node's monotonic clock.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../common/log.js';
import { fromMemberJson, sameMember, toMemberJson, type MemberJson } from '../../common/wire.js';
import type { Lifecycle } from '../lifecycle.js';
import { lease as leaseCall } from '../rpc/replication.js';
import type { RpcClient } from '../rpc/spec.js';
import type { RoutingTable } from '../routing.js';

export interface ReadLeaseComponents {
  readonly routing: RoutingTable;
  readonly lifecycle: Lifecycle;
  readonly rpc: RpcClient;
  readonly log: Logger;
}

/**
 * One length for the whole ring: a successor waits its own length for a lease its predecessor
 * may hold from a node before it (a joiner's predecessor got its lease from the joiner's
 * successor), so no node's lease may outlast another's wait.
 */
export const READ_LEASE_MS = 2000;

export class ReadLeases {
  /** The successor whose lease this node holds, and until when. */
  private heldFrom: string | null = null;
  private heldUntil = 0;
  /** The request for a lease on its way, if one is. */
  private renewal: Promise<void> | null = null;
  /** Successor side: when the predecessor last stopped counting as alive. */
  private predecessorFailedAt: number | null = null;

  constructor(
    private readonly components: ReadLeaseComponents,
    private readonly leaseMs: number = READ_LEASE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    // The one listener: every way the predecessor stops counting as alive starts the wait.
    components.routing.onPredecessorFailed = () => { this.predecessorFailedAt = this.now(); };
  }

  /**
   * Head side: whether this node holds a lease from its successor now. Asks for a new one in
   * the background when none is held or half of it has gone.
   */
  held(): boolean {
    const successor = this.components.routing.successors[0];
    if (!successor) return false;
    const now = this.now();
    const valid = this.heldFrom === successor.address && now < this.heldUntil;
    if (!valid || this.heldUntil - now < this.leaseMs / 2) this.renew(successor.address);
    return valid;
  }

  /**
   * Head side, before a write: whether a lease is held, asking for one and waiting for the
   * answer when none is. A head replaced without knowing it (paused, or cut off, while its
   * successor took its range over) gets none, so it does not apply a write with a version newer
   * than those its successor acknowledged meanwhile.
   */
  async acquire(): Promise<boolean> {
    // Twice at most: a request on its way when the successor changed went to the previous one.
    for (let asked = 0; asked < 2; asked++) {
      if (this.held()) return true;
      if (!this.renewal) return false;
      await this.renewal;
    }
    return this.held();
  }

  /** Head side: milliseconds left of the lease held from the current successor (0: none). Asks for none. */
  left(): number {
    const successor = this.components.routing.successors[0];
    if (!successor || this.heldFrom !== successor.address) return 0;
    return Math.max(0, this.heldUntil - this.now());
  }

  /** Successor side: a lease for `asker` if it is this node's live predecessor. */
  grant(asker: MemberJson): { granted: boolean; leaseMs: number } {
    const { routing, lifecycle } = this.components;
    const granted = lifecycle.state === 'ready' && routing.predecessorAlive && sameMember(routing.predecessor, fromMemberJson(asker));
    return { granted, leaseMs: this.leaseMs };
  }

  /** Successor side: resolves once no lease granted to the failed predecessor can still be in force. */
  async waitOut(): Promise<void> {
    // Judged again after each timer: a predecessor that failed meanwhile (one admitted after
    // the first, and granted a lease) moves the end of the wait. For one mark, at most three
    // timers: one may fire a little early by this clock, and under the simulator (sim/)
    // timers run on simulated time while this clock stays real (as in ChainLeases.drained).
    for (let timers = 0; ;) {
      const mark = this.predecessorFailedAt;
      if (mark === null) return;
      const waitMs = mark + this.leaseMs - this.now();
      if (waitMs <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
      timers = this.predecessorFailedAt === mark ? timers + 1 : 0;
      if (timers >= 3) return;
    }
  }

  private renew(successor: string): void {
    if (this.renewal) return;
    const sentAt = this.now();
    const { rpc, routing, log } = this.components;
    this.renewal = rpc.call(leaseCall, successor, { node: toMemberJson(routing.self) }).then((answer) => {
      if (!answer.granted) return;
      this.heldFrom = successor;
      this.heldUntil = sentAt + Math.min(answer.leaseMs, this.leaseMs);
    }, (err: Error) => {
      if (log.debugEnabled) log.debug(`read lease from ${successor}: ${err.message}`, { peer: successor });
    }).finally(() => { this.renewal = null; });
  }
}
