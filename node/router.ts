/**
 * Routing over the network: user operations travel to the key's owner, where the
 * replication strategy coordinates them, and Chord's find_successor runs recursively.
 * A next hop that is gone is evicted and the request routed again without it.
 */
import { ChordError, isGone, isTimeout, NotReady } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { distance, hashId, hexToId } from '../common/ring.js';
import { MAX_BATCH_OPS, toMemberJson, type Member, type OpAnswer } from '../common/wire.js';
import { ForwardBatcher } from './forward-batch.js';
import type { Lifecycle, NodeState } from './lifecycle.js';
import type { MembershipLock } from './membership-lock.js';
import type { Metrics } from './metrics.js';
import type { RecentWrites } from './recent-writes.js';
import type { ReplicationStrategy } from './replication/index.js';
import { findSuccessor, type FindSuccessorAnswer, type OpRequest } from './rpc/routing.js';
import type { RpcClient } from './rpc/spec.js';
import type { RoutingTable } from './routing.js';
import { extended } from '../common/objects.js';

/** Guards against forwarding loops while pointers are inconsistent. */
export const MAX_HOPS = 32;
/** How many gone next hops one node routes a request around before it gives up. */
export const MAX_REROUTES = 8;

export interface RouterComponents {
  readonly routing: RoutingTable;
  readonly lifecycle: Lifecycle;
  readonly rpc: RpcClient;
  readonly lock: MembershipLock;
  readonly log: Logger;
  readonly recentWrites: RecentWrites;
  readonly metrics: Pick<Metrics, 'hops'>;
  /** The strategy of the ring's consistency mode (it changes once, when a joiner adopts the ring's settings). */
  replication(): ReplicationStrategy;
  /** The other ring ids of this process (none with one id per process): a request may go on from one of them without a network hop. */
  siblings?(): readonly Sibling[];
}

/** Another ring id of the same process, as routing sees it. */
export interface Sibling {
  readonly self: Member;
  readonly state: NodeState;
  owns(id: bigint): boolean;
  /** Routes `request` from that id, as if it had arrived there. */
  relay(request: OpRequest, reqId?: string): Promise<OpAnswer>;
}

export interface RouterCallbacks {
  /**
   * A next hop was found gone (and evicted) or did not answer in time: maintenance should
   * look at the pointers soon (a silent one is not evicted here: one timeout proves nothing).
   */
  onPeerGone(): void;
}

export class Router {
  /** User operations forwarded to one next hop in one turn of the loop leave together. */
  private readonly forwards: ForwardBatcher;

  constructor(private readonly components: RouterComponents, private readonly callbacks: RouterCallbacks) {
    this.forwards = new ForwardBatcher(components.rpc, MAX_BATCH_OPS);
  }

  /**
   * Routes one operation: answers it when this node owns the key (or its mode lets a copy
   * answer), else forwards it. `reqId`: the public request it belongs to, for the calls and
   * log lines made for it.
   */
  async route(request: OpRequest, reqId?: string, reroutes = 0): Promise<OpAnswer> {
    const { routing, lifecycle, lock } = this.components;
    lifecycle.assertMember();
    if (request.hops > MAX_HOPS) throw new ChordError('ROUTING_LOOP', `request for ${JSON.stringify(request.key)} went around the ring`);
    const id = hashId(request.key);
    if (lifecycle.state === 'departed') return this.forward(routing.successors[0], request, id, reqId, reroutes);
    if (request.op === 'get') {
      const answer = await this.components.replication().readOnPath(request.key, request.hops);
      if (answer) return answer;
    }
    if (!routing.owns(id)) {
      // The sender saw us as the owner, but our predecessor died and nobody has taken its
      // place yet: sending the request back would bounce it between us until it expires.
      if (request.final && !routing.predecessorAlive) {
        throw new NotReady(`node ${routing.self.address} is taking over a failed node's keys; retry`, 'RING_CHANGING');
      }
      const entered = request.hops === 0;
      const sibling = this.closerSibling(id, entered);
      // `final` spoke of this id: the sibling judges its own range.
      if (sibling) return sibling.relay(extended(request, { final: false }), reqId);
      const answer = await this.forward(entered ? routing.firstHop(id) : routing.nextHop(id), request, id, reqId, reroutes);
      if (request.op === 'get') this.components.replication().readAnswered?.(request.key, id, answer);
      return answer;
    }
    const release = await lock.acquireShared();
    try {
      // The ring may have changed while we waited for a membership change to finish.
      if ((lifecycle.state as NodeState) === 'departed' || !routing.owns(id)) {
        release();
        return await this.route(request, reqId, reroutes);
      }
      const replication = this.components.replication();
      this.components.metrics.hops(request.hops);
      if (request.op === 'get') return await replication.read(request.key, request.hops, reqId);
      return await this.components.recentWrites.run(request.id, request.op === 'put' ? request.value : undefined, () => replication.write(request, reqId));
    } finally {
      release();
    }
  }

  /** Serves an operation another node routed here (the /rpc/op call). */
  arrived(request: OpRequest, reqId?: string): Promise<OpAnswer> {
    const { log } = this.components;
    if (log.debugEnabled) log.debug(`routed ${request.op} arrived`, { op: request.op, key: request.key, hops: request.hops, reqId });
    return this.route(request, reqId);
  }

  /** The owner of `idHex`, found by routing (Chord's find_successor). */
  async findSuccessor(idHex: string, hops: number, reqId?: string, reroutes = 0): Promise<FindSuccessorAnswer> {
    const { routing, lifecycle, rpc } = this.components;
    lifecycle.assertMember();
    const id = hexToId(idHex);
    if (hops > MAX_HOPS) throw new ChordError('ROUTING_LOOP', 'lookup went around the ring');
    if (routing.owns(id)) return { node: toMemberJson(routing.self), hops };
    // As in the paper, the node before the owner names it; the owner is not asked.
    const owner = routing.ownerInSuccessors(id);
    if (owner) return { node: toMemberJson(owner), hops };
    const next = routing.closestPrecedingNode(id);
    if (routing.isSelf(next)) throw new NotReady(`node ${routing.self.address} has no route yet`, 'RING_CHANGING');
    try {
      return await rpc.call(findSuccessor, next.address, { id: idHex, hops: hops + 1 }, reqId);
    } catch (err) {
      if (!this.routeAround(err, next, reroutes)) throw err;
      return this.findSuccessor(idHex, hops, reqId, reroutes + 1);
    }
  }

  /**
   * Routing on the union of the process's tables: another ready id of this process that
   * owns `id`, or that precedes it more closely than this id's next hop, takes the request
   * on in-process (its own tables then start from nearer the key). None when this id's
   * successor list (or, for a request that entered here, its view) already names the owner:
   * one forward reaches it anyway. Each relay moves strictly nearer the key, so relays end.
   */
  private closerSibling(id: bigint, entered: boolean): Sibling | undefined {
    const { routing } = this.components;
    const siblings = (this.components.siblings?.() ?? []).filter((s) => s.state === 'ready' && !routing.isSelf(s.self));
    if (siblings.length === 0) return undefined;
    const owner = siblings.find((s) => s.owns(id));
    if (owner) return owner;
    if (entered ? routing.believedOwner(id) : routing.ownerInSuccessors(id)) return undefined;
    let best: Sibling | undefined;
    let nearest = distance(routing.closestPrecedingNode(id).id, id);
    for (const sibling of siblings) {
      const d = distance(sibling.self.id, id);
      if (d < nearest) {
        best = sibling;
        nearest = d;
      }
    }
    return best;
  }

  private async forward(next: Member | undefined, request: OpRequest, id: bigint, reqId: string | undefined, reroutes: number): Promise<OpAnswer> {
    const { routing, log } = this.components;
    if (!next || routing.isSelf(next)) {
      throw new NotReady(`node ${routing.self.address} has no route for ${JSON.stringify(request.key)} yet`, 'RING_CHANGING');
    }
    try {
      // A first hop taken from the view (firstHop) goes to the owner named there: final too.
      const final = (request.hops === 0 ? routing.believedOwner(id) : routing.ownerInSuccessors(id))?.id === next.id;
      if (log.debugEnabled) log.debug(`forwarding ${request.op} to ${next.address}`, { op: request.op, key: request.key, peer: next.address, hops: request.hops + 1, reqId });
      return await this.forwards.call(next.address, extended(request, { hops: request.hops + 1, final }), reqId);
    } catch (err) {
      if (!this.routeAround(err, next, reroutes)) {
        if (isTimeout(err, next.address)) this.callbacks.onPeerGone();
        throw err;
      }
      log.warn(`${next.address} is unreachable; routing around it`, { peer: next.address, reqId });
      return this.route(request, reqId, reroutes + 1);
    }
  }

  /**
   * Whether to route again without `peer`, which `err` may say is gone (then it is evicted).
   * The peer may already have left the table while the call was in flight (maintenance
   * replaced it): the request is routed again all the same, since the table no longer points
   * there. The number of times is bounded, in case something keeps putting the peer back.
   */
  private routeAround(err: unknown, peer: Member, reroutes: number): boolean {
    if (!isGone(err, peer.address)) return false;
    if (this.components.routing.evict(peer.address)) this.callbacks.onPeerGone();
    return reroutes < MAX_REROUTES;
  }
}
