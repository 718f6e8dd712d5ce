/**
 * Membership: creating the ring, joining it, admitting a joiner, departing from it. A
 * join or depart takes the membership lock on every node whose range or chain it changes
 * — the k-1 predecessors of the change and the node at it — in ascending id order, so two
 * changes never deadlock; operations those nodes head wait meanwhile, which keeps
 * linearizable reads exact.
 */
import { randomUUID } from 'node:crypto';
import { Conflict, NotReady, retryOf, type ChordError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { inOpen } from '../../common/ring.js';
import { heldRanges, processOf, throughProcesses } from '../../common/vnodes.js';
import {
  fromMemberJson, replicaCount, sameMember, toMemberJson, type Member, type MemberJson, type RingSettings,
} from '../../common/wire.js';
import type { Lifecycle, NodeState } from '../lifecycle.js';
import type { MembershipLock } from '../membership-lock.js';
import type { ChainLeases } from '../replication/chain-lease.js';
import { sendItems } from '../replication/transfer.js';
import { kick } from '../rpc/maintenance.js';
import { join as joinCall, lock as lockCall, pointers, refresh as refreshCall, unlock, type PointersRequest } from '../rpc/membership.js';
import { reconcile as reconcileCall } from '../rpc/replication.js';
import { findSuccessor } from '../rpc/routing.js';
import type { RpcClient } from '../rpc/spec.js';
import type { RoutingTable } from '../routing.js';
import type { Store } from '../storage/store.js';
import type { Neighbours } from './neighbours.js';

export interface MembershipComponents {
  readonly routing: RoutingTable;
  readonly lifecycle: Lifecycle;
  readonly rpc: RpcClient;
  readonly lock: MembershipLock;
  readonly store: Store;
  readonly neighbours: Neighbours;
  readonly log: Logger;
  /** The chain leases this node granted as a head: a joiner before it heads part of its range only once they ran out. */
  readonly chainLeases: Pick<ChainLeases, 'drained'>;
  settings(): RingSettings;
  /** Reconciles this node's own replicas (see ReplicaSync). */
  reconcile(): Promise<unknown>;
}

export interface MembershipInit {
  readonly lockLeaseMs: number;
  readonly successorListSize: number;
}

export interface MembershipCallbacks {
  /** The ring this node joins has these settings. */
  adoptSettings(settings: RingSettings): void;
  /** Waits until every accepted write has been passed on (before a depart hands data off). */
  flushReplication(): Promise<void>;
  /** Hands the records of writes applied here to keys in (from, to] to `address`, with the pairs (whole ring when from = to). */
  handOverWrites(address: string, from: bigint, to: bigint): Promise<void>;
  /** A stale pointer was found: maintenance should run soon. */
  kickMaintenance(): void;
}

export class Membership {
  constructor(
    private readonly components: MembershipComponents,
    private readonly init: MembershipInit,
    private readonly callbacks: MembershipCallbacks,
  ) {}

  /** Starts a new ring with this node as its only member. */
  create(): void {
    this.components.routing.becomeAlone();
    this.components.lifecycle.enter('ready');
  }

  /** Joins the ring through `contact` (any live member); resolves once this node serves its keys. */
  async join(contact: string, knownPeers: string[] = []): Promise<void> {
    const { routing, rpc, lifecycle, neighbours } = this.components;
    await this.adoptRingOf(contact);
    const deadline = Date.now() + Math.max(30_000, this.init.lockLeaseMs * 2);
    for (let attempt = 0; ; attempt++) {
      try {
        // Inside the retry: a lookup through a ring still taking in ids may go round (ROUTING_LOOP) until fingers catch up.
        const { node: successor } = await rpc.call(findSuccessor, contact, { id: toMemberJson(routing.self).id, hops: 0 });
        if (routing.isSelf(fromMemberJson(successor))) {
          // The ring still lists this node from before a restart. It answers member: false;
          // its old neighbours find that out at their next maintenance round, which we ask
          // them to run now.
          await Promise.allSettled([contact, ...knownPeers].map((address) => rpc.call(kick, address, {})));
          throw new NotReady(`the ring still lists ${routing.self.address} from before a restart`, 'RING_CHANGING');
        }
        // Admitting may take long (it hands over pairs), so its call waits long: a successor
        // that is silent is found out first, within one request's deadline.
        await neighbours.liveState(successor.address);
        await rpc.call(joinCall, successor.address, { node: toMemberJson(routing.self) });
        lifecycle.enter('ready');
        return;
      } catch (err) {
        if (!mayRetryJoin(err, contact) || Date.now() > deadline) throw err;
        const pauseMs = Math.round(Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random()));
        this.components.log.info(`joining through ${contact}: ${(err as Error).message}; again in ${pauseMs} ms`, { contact, code: (err as { code?: string }).code, pauseMs });
        await sleep(pauseMs);
      }
    }
  }

  /** Adopts the settings of the ring `contact` is a member of (a contact still joining has none to give yet). */
  async adoptRingOf(contact: string): Promise<void> {
    this.callbacks.adoptSettings((await this.components.neighbours.liveState(contact)).settings);
  }

  /** Spliced in by a change that admits several ids of this process at once (process-change.ts): it serves from now on. */
  joined(): void {
    this.components.lifecycle.enter('ready');
  }

  /**
   * Run by the joiner's successor: hands the joiner its pairs and splices it in. With
   * `token`, the join is one step of a process's ids entering together (process-change.ts):
   * its locks are taken under that token and kept for the whole change, which releases them.
   */
  async admit(joinerJson: MemberJson, token?: string): Promise<{ joined: true; locked?: MemberJson[] }> {
    const { routing, lifecycle, rpc, store, neighbours, log } = this.components;
    const joiner = fromMemberJson(joinerJson);
    if (lifecycle.state !== 'ready') throw new NotReady(`node ${routing.self.address} is ${lifecycle.state}`, 'RING_CHANGING');
    if (routing.isSelf(joiner)) throw new Conflict('ALREADY_MEMBER', `${joiner.address} is this node`);
    if (sameMember(routing.predecessor, joiner) || routing.successors.some((p) => sameMember(p, joiner))) {
      const remote = await neighbours.liveState(joiner.address).catch(() => undefined);
      if (remote) throw new Conflict('ALREADY_MEMBER', `${joiner.address} is already a member of this ring`);
      // It restarted and lost its place: forget the old one and admit it afresh (if our
      // predecessor was that old place, the check below asks it to retry after healing).
      routing.evict(joiner.address);
      this.callbacks.kickMaintenance();
    }
    const predecessor = routing.predecessor;
    if (predecessor && !routing.predecessorAlive) {
      throw new NotReady(`${routing.self.address} is taking over a failed predecessor's keys; retry`, 'RING_CHANGING');
    }
    if (predecessor && !inOpen(joiner.id, predecessor.id, routing.self.id)) {
      throw new Conflict('WRONG_SUCCESSOR', `${routing.self.address} is not the successor of ${joiner.address}; look it up again`);
    }
    const k = replicaCount(this.components.settings());
    const { before, holding, refreshing } = await this.scopeOf(joiner.address);
    // The joiner is locked too: its chain is set during the reconcile below, which switches chains only under a lock.
    // It will head part of this node's range through a chain without this node's tail, which
    // may hold a chain lease from this node: no lease granted before may still run by then.
    const locked = await this.withLocks([routing.self, joiner, ...holding], () => this.components.chainLeases.drained(async () => {
      if (routing.predecessor?.id !== predecessor?.id) {
        throw new NotReady('the ring changed during the join; retry', 'RING_CHANGING');
      }
      // The joiner holds the ranges of those predecessors and its own, (before[holding], joiner];
      // in a ring of at most k nodes (or one whose size is unknown this close) it holds everything.
      // (What this node lacks of them, their owners push below when their chains take the joiner in.)
      const ringSize = routing.knownRingSize();
      const everything = ringSize !== undefined && ringSize + 1 <= k;
      const from = everything ? joiner.id : (before[holding.length]?.id ?? routing.self.id);
      await sendItems(rpc, joiner.address, await store.scan(from, joiner.id));
      await this.callbacks.handOverWrites(joiner.address, from, joiner.id);

      const successors = [routing.self, ...routing.successors];
      await rpc.call(pointers, joiner.address, {
        predecessor: toMemberJson(predecessor ?? routing.self),
        successors: successors.map(toMemberJson),
      });
      routing.setPredecessor(joiner);
      if (!predecessor) routing.setSuccessors(joiner);
      await this.refreshBehind(before, [], refreshing);
      // In a ring no larger than the list, this node's own list wraps round to the joiner too.
      if (before.length < this.init.successorListSize && predecessor) await neighbours.refresh([]);
      // Those that may lose a copy to the joiner: the next k after it, and with several ids per
      // process every id up to k processes on (a later id of the joiner's process, say).
      const after = [routing.self, ...routing.successors];
      await this.reconcileAround([...holding, joiner, ...after.slice(0, k + 1), ...throughProcesses(after, k)]);
    }), token);
    log.info(`admitted ${joiner.address} as predecessor`, { peer: joiner.address });
    return token === undefined ? { joined: true } : { joined: true, locked: locked.map(toMemberJson) };
  }

  /** The members a join of `joiner` through this node (its successor) locks: this node, the joiner, the predecessors whose replica sets it enters. */
  async joinLocks(joinerJson: MemberJson): Promise<MemberJson[]> {
    this.components.lifecycle.assertReady();
    const joiner = fromMemberJson(joinerJson);
    const { holding } = await this.scopeOf(joiner.address);
    return [this.components.routing.self, joiner, ...holding].map(toMemberJson);
  }

  /**
   * Leaves the ring gracefully: hands every pair on, splices this node out, repairs replicas.
   * With `token`, one step of a process's ids leaving together: its locks are taken under
   * that token and kept (`locked` names them) for the whole change, which releases them.
   */
  async depart(token?: string): Promise<{ departed: string; locked: Member[] }> {
    const { routing, lifecycle, rpc, store, log } = this.components;
    if (lifecycle.state !== 'ready') throw new NotReady(`node ${routing.self.address} is ${lifecycle.state}`);
    const successor = routing.successors[0];
    if (!successor) throw new Conflict('LAST_NODE', 'the last node of a ring cannot depart; stop its process instead');
    lifecycle.enter('departing');
    let locked: Member[];
    try {
      const k = replicaCount(this.components.settings());
      const { before, holding, refreshing } = await this.scopeOf(routing.self.address);
      const after = routing.successors.slice(0, k);
      locked = await this.withLocks([routing.self, successor, ...holding], async () => {
        await this.callbacks.flushReplication();
        // Everything it holds goes, stray copies included: the successor hands on what is not its own.
        await sendItems(rpc, successor.address, await store.entries());
        const predecessor = before[0];
        // The records of the range the successor heads from now on; those of ranges this node
        // was a member for, the successor has as a member too (or it was not in that chain).
        await this.callbacks.handOverWrites(successor.address, predecessor?.id ?? routing.self.id, routing.self.id);
        const alone = !predecessor || sameMember(predecessor, successor);
        try {
          await rpc.call(pointers, successor.address, { predecessor: alone ? null : toMemberJson(predecessor) });
        } catch (err) {
          // An answer from the successor refusing: it did not take the range, and this node
          // stays. No answer (timed out, or the connection failed, maybe after the call got
          // there): it may have, and then this node must not stay, as two nodes would serve one
          // range; if it did not, it takes the range over once this node is gone.
          const noAnswer = (err as ChordError).peer === successor.address && ['PEER_TIMEOUT', 'PEER_UNREACHABLE'].includes((err as ChordError).code);
          if (!noAnswer) throw err;
        }
        // From here the successor heads this node's range, so the depart is done whatever fails
        // next: going back to serving the range would split it. Maintenance repairs what is left.
        lifecycle.enter('departed');
        await this.refreshBehind(before, [routing.self.address], refreshing, true);
        await this.reconcileAround([...holding, ...after], true);
      }, token);
    } catch (err) {
      if ((lifecycle.state as NodeState) === 'departing') lifecycle.enter('ready');
      throw err;
    }
    log.info('departed');
    return { departed: routing.self.address, locked };
  }

  /** The members a depart of this node locks: itself, its successor, the predecessors whose replica sets hold it. */
  async departLocks(): Promise<Member[]> {
    const { routing, lifecycle } = this.components;
    lifecycle.assertReady();
    const successor = routing.successors[0];
    return [routing.self, ...(successor ? [successor] : []), ...(await this.scopeOf(routing.self.address)).holding];
  }

  /**
   * What a change at `address` (a joiner's, or this node's when it departs) concerns: see
   * walkBackFor. `holding` are the predecessors whose replica sets hold `address` (k-1 of
   * them with one id per process); the first `refreshing` of `before` have successor lists
   * to rebuild (at least a list's length, the holding ones, and every list that reaches here).
   */
  private async scopeOf(address: string): Promise<{ before: Member[]; holding: Member[]; refreshing: number }> {
    const k = replicaCount(this.components.settings());
    const { before, listing } = await this.walkBackFor(address, k);
    const holding = before.slice(0, heldRanges(address, before, k));
    return { before, holding, refreshing: Math.max(holding.length, listing, this.init.successorListSize) };
  }

  /** Pointers set by the node that splices this one in or out. */
  setPointers(request: PointersRequest): void {
    const { routing, lifecycle } = this.components;
    lifecycle.markSpliced();
    if (request.predecessor !== undefined) routing.setPredecessor(request.predecessor ? fromMemberJson(request.predecessor) : null);
    if (request.successors) {
      const [first, ...rest] = request.successors.map(fromMemberJson);
      routing.setSuccessors(first, rest);
    }
  }

  /**
   * Runs `section` holding the locks of `members`, taken in ascending id order. Under a
   * change's `outer` token they stay held when the section succeeds (the change releases
   * them); a failed section releases them at once, since the whole change is abandoned.
   */
  private async withLocks(members: Member[], section: () => Promise<void>, outer?: string): Promise<Member[]> {
    const { routing, lock, rpc } = this.components;
    const token = outer ?? randomUUID();
    const { lockLeaseMs } = this.init;
    const unique = uniqueById(members).sort((a, b) => (a.id < b.id ? -1 : 1));
    const held: Member[] = [];
    let done = false;
    try {
      for (const member of unique) {
        if (routing.isSelf(member)) await lock.acquireExclusive(token, lockLeaseMs);
        else await rpc.call(lockCall, member.address, { token, leaseMs: lockLeaseMs });
        held.push(member);
      }
      await section();
      done = true;
      return held;
    } finally {
      if (outer === undefined || !done) await releaseLocks(this.components, held, token);
    }
  }

  /**
   * The predecessors a change at `address` concerns, nearest first: at least as many as a
   * successor list is long, every one whose replica set holds `address`, and every one whose
   * successor list reaches this node. `listing` counts the last: they lead `before`, since a
   * node's list ends no later than its successor's. (With several ids per process a list
   * grows past its nominal length until it shows k - 1 other processes, so the nominal
   * length alone misses lists that must learn of the change.)
   */
  private async walkBackFor(address: string, k: number): Promise<{ before: Member[]; listing: number }> {
    const { routing, neighbours } = this.components;
    const reach = Math.max(k, this.init.successorListSize);
    const reachesHere = (list: readonly Member[] | undefined) => list?.some((m) => routing.isSelf(m)) === true;
    // Lists past the nominal reach are refreshed as well as can be: one that does not answer (it crashed) ends the walk, not the change.
    const walk = await neighbours.walkBackWhile(
      (found) => found.length < reach || heldRanges(address, found, k) === found.length,
      (_, lists) => reachesHere(lists.at(-1)),
    );
    const listing = walk.lists.findIndex((list) => !reachesHere(list));
    return { before: walk.members, listing: listing === -1 ? walk.lists.length : listing };
  }

  /**
   * Rebuilds the successor lists of the nodes whose lists reach the change (`count` of
   * them, nearest first: each copies the one after it), which include the `holding` that
   * hold copies there and may lie further back than a list is long.
   */
  /** With `bestEffort` (a depart past its point of no return), a member that fails is logged and the rest still asked. */
  private async refreshBehind(before: Member[], exclude: string[], count: number, bestEffort = false): Promise<void> {
    const { routing, rpc, neighbours } = this.components;
    for (const member of before.slice(0, count)) {
      const refreshed = routing.isSelf(member) ? neighbours.refresh(exclude) : rpc.call(refreshCall, member.address, { exclude });
      await (bestEffort ? refreshed.catch((err: unknown) => this.leftToMaintenance('refreshing', member, err)) : refreshed);
    }
  }

  private async reconcileAround(members: Member[], bestEffort = false): Promise<void> {
    const { routing, rpc } = this.components;
    await Promise.all(uniqueById(members).map((member) => {
      const reconciled = routing.isSelf(member) ? this.components.reconcile() : rpc.call(reconcileCall, member.address, {});
      return bestEffort ? reconciled.catch((err: unknown) => this.leftToMaintenance('reconciling', member, err)) : reconciled;
    }));
  }

  private leftToMaintenance(step: string, member: Member, err: unknown): void {
    const code = (err as ChordError).code;
    this.components.log.warn(`departed; ${step} ${member.address} failed (${code ?? String(err)}), which its maintenance repairs instead`, { peer: member.address, code });
  }
}

/** Releases `token`'s hold on each of `members` (one that lapsed or was never taken answers false, which is fine). */
async function releaseLocks(components: Pick<MembershipComponents, 'routing' | 'lock' | 'rpc'>, members: readonly Member[], token: string): Promise<void> {
  const { routing, lock, rpc } = components;
  await Promise.allSettled(members.map((member) => routing.isSelf(member)
    ? Promise.resolve(lock.releaseExclusive(token))
    : rpc.call(unlock, member.address, { token })));
}

/** Each member once (a change's lock plans name some twice). */
export const uniqueById = (members: readonly Member[]) => [...new Map(members.map((m) => [m.id, m])).values()];
export const sleep = (ms: number): Promise<unknown> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A join is retried while the ring changes, and while a member behind the contact (the
 * successor it named, or a predecessor that successor locks) does not answer: the ring
 * heals around a failed member, and the joiner's place is next to it. The contact's own
 * silence goes to the caller, which may try another contact.
 */
export function mayRetryJoin(err: unknown, contact: string): boolean {
  if (retryOf(err) === 'ring') return true;
  const peer = (err as ChordError).peer;
  return retryOf(err) === 'elsewhere' && peer !== undefined && processOf(peer) !== processOf(contact);
}
