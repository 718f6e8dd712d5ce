/**
 * The composition root of a ring member: it wires routing, membership, storage and
 * replication together and exposes what the HTTP adapter calls. User operations are
 * routed to the key's owner (the head), which orders them and hands them to the
 * replication strategy.
 */
import { randomUUID } from 'node:crypto';
import type { PeerClient } from '../common/client.js';
import { ChordError, isGone, KeyNotFound, NotReady } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { hashId, hexToId } from '../common/ring.js';
import {
  fromPeerJson, toPeerJson,
  type DeleteAnswer, type Item, type KeyedItem, type OpAnswer, type OpRequest,
  type Peer, type PeerJson, type PointersRequest, type RingSettings, type ValueAnswer,
} from '../common/wire.js';
import type { NodeConfig } from './config.js';
import { Maintenance } from './maintenance.js';
import { Membership } from './membership.js';
import { ReplicaSync } from './replicas.js';
import { MembershipLock } from './membership-lock.js';
import { strategies, type ReplicationStrategy } from './replication/index.js';
import { retryWhileRingChanges } from './retry.js';
import { RoutingTable } from './routing.js';
import { mergeItem, nextVersion, type Store } from './storage/store.js';

export type NodeState = 'joining' | 'ready' | 'departing' | 'departed';

/** Guards against forwarding loops while pointers are inconsistent. */
const MAX_HOPS = 32;

export class ChordNode {
  readonly routing: RoutingTable;
  readonly lock = new MembershipLock();
  readonly membership: Membership;
  readonly maintenance: Maintenance;
  readonly replicas: ReplicaSync;
  state: NodeState = 'joining';
  settings: RingSettings;
  lastMaintenanceAt: Date | null = null;
  /**
   * The chain writes and reads use. It follows the successor list only under this node's
   * exclusive lock, after the new members received every pair (ReplicaSync.reconcile):
   * a node added to the chain never serves a read before it holds all acknowledged writes.
   */
  activeChain: Peer[] = [];
  /** Set once a successor has spliced this joining node into the ring. */
  private spliced = false;
  private replication: ReplicationStrategy;

  constructor(
    readonly config: NodeConfig,
    readonly self: Peer,
    readonly store: Store,
    readonly peers: PeerClient,
    readonly log: Logger,
  ) {
    this.routing = new RoutingTable(self, config.successorListSize);
    this.settings = { k: config.k, consistency: config.consistency };
    this.replication = this.createReplication();
    this.membership = new Membership(this);
    this.maintenance = new Maintenance(this);
    this.replicas = new ReplicaSync(this);
  }

  /** Adopts the ring-wide settings of the ring this node joins. */
  adoptSettings(settings: RingSettings): void {
    this.settings = { k: settings.k, consistency: settings.consistency };
    this.replication.close();
    this.replication = this.createReplication();
  }

  // ---- user operations (public API) ----

  put(key: string, value: string): Promise<ValueAnswer> {
    return this.runUserOp({ op: 'put', key, value, hops: 0 }) as Promise<ValueAnswer>;
  }

  get(key: string): Promise<ValueAnswer> {
    return this.runUserOp({ op: 'get', key, hops: 0 }) as Promise<ValueAnswer>;
  }

  delete(key: string): Promise<DeleteAnswer> {
    return this.runUserOp({ op: 'delete', key, hops: 0 }) as Promise<DeleteAnswer>;
  }

  // ---- node-to-node operations ----

  /** Routes one operation: answers it when this node owns the key (or, in eventual mode, holds a copy), else forwards it. */
  async handleOp(request: OpRequest): Promise<OpAnswer> {
    this.assertMember();
    if (request.hops > MAX_HOPS) throw new ChordError('ROUTING_LOOP', `request for ${JSON.stringify(request.key)} went around the ring`, 503);
    const id = hashId(request.key);
    if (this.state === 'departed') return this.forward(this.routing.successors[0], request, id);
    if (request.op === 'get' && this.replication.readsFromAnyCopy) {
      const local = await this.store.get(request.key);
      if (local && local.value !== null) return { key: request.key, value: local.value, node: this.self.address, hops: request.hops };
    }
    if (!this.routing.owns(id)) {
      // The sender saw us as the owner, but our predecessor died and nobody has taken its
      // place yet: sending the request back would bounce it between us until it expires.
      if (request.final && !this.routing.predecessorAlive) {
        throw new NotReady(`node ${this.self.address} is taking over a failed node's keys; retry`, 'RING_CHANGING');
      }
      return this.forward(this.routing.nextHop(id), request, id);
    }
    const release = await this.lock.acquireShared();
    try {
      // The ring may have changed while we waited for a membership change to finish.
      if ((this.state as NodeState) === 'departed' || !this.routing.owns(id)) {
        release();
        return await this.handleOp(request);
      }
      return await this.executeAsHead(request);
    } finally {
      release();
    }
  }

  /** Applies a batch passed down the chain, then passes it on; answers once the tail has it. */
  async applyChain(items: KeyedItem[], rest: string[]): Promise<{ applied: number }> {
    const applied = await this.applyItems(items);
    if (rest.length > 0) await this.peers.chain(rest[0], { items, rest: rest.slice(1) });
    return { applied };
  }

  /** Merges pairs into the local store, keeping the newer version of each. */
  async applyItems(items: KeyedItem[]): Promise<number> {
    let applied = 0;
    for (const { key, value, version } of items) {
      if (await mergeItem(this.store, key, { value, version })) applied++;
    }
    return applied;
  }

  /** The local copy of `key`, for a head reading at the tail. */
  async readLocal(key: string, hops: number): Promise<{ item: Item | null; node: string; hops: number }> {
    return { item: (await this.store.get(key)) ?? null, node: this.self.address, hops };
  }

  /** The owner of `idHex`, found by routing (Chord's find_successor). */
  async findSuccessor(idHex: string, hops: number): Promise<{ node: PeerJson; hops: number }> {
    this.assertMember();
    const id = hexToId(idHex);
    if (hops > MAX_HOPS) throw new ChordError('ROUTING_LOOP', 'lookup went around the ring', 503);
    if (this.routing.owns(id)) return { node: toPeerJson(this.self), hops };
    // As in the paper, the node before the owner names it; the owner is not asked.
    const owner = this.routing.ownerInSuccessors(id);
    if (owner) return { node: toPeerJson(owner), hops };
    const next = this.routing.closestPrecedingNode(id);
    if (next.address === this.self.address) throw new NotReady(`node ${this.self.address} has no route yet`, 'RING_CHANGING');
    try {
      return await this.peers.findSuccessor(next.address, idHex, hops + 1);
    } catch (err) {
      if (!isGone(err, next.address) || !this.routing.evict(next.address)) throw err;
      this.maintenance.kick();
      return this.findSuccessor(idHex, hops);
    }
  }

  /**
   * Chord's notify from a node that believes it is our predecessor. Taking it changes the
   * range this node heads, so it happens under the exclusive lock and the grown range is
   * pushed to the chain before any operation on it runs (the chain's tail must hold it).
   */
  async notify(candidateJson: PeerJson): Promise<boolean> {
    const candidate = fromPeerJson(candidateJson);
    const pred = this.routing.predecessor;
    if (!this.routing.wouldAccept(candidate) && pred && candidate.address !== pred.address && this.routing.predecessorAlive) {
      // Someone behind our predecessor says it comes right before us: our predecessor may
      // have died since our last check. Look now rather than a round later.
      await this.membership.liveState(pred.address).catch((err) => {
        if (isGone(err, pred.address)) this.routing.predecessorAlive = false;
      });
    }
    if (!this.routing.wouldAccept(candidate)) return false;
    const token = randomUUID();
    await this.lock.acquireExclusive(token, this.config.lockLeaseMs);
    try {
      if (!this.routing.notify(candidate)) return false;
      this.log.info(`predecessor is now ${candidate.address}`);
      await this.replicas.reconcile();
      return true;
    } finally {
      this.lock.releaseExclusive(token);
    }
  }

  setPointers(pointers: PointersRequest): void {
    this.spliced = true;
    if (pointers.predecessor !== undefined) {
      this.routing.predecessor = pointers.predecessor ? fromPeerJson(pointers.predecessor) : null;
    }
    if (pointers.successors) {
      const [first, ...rest] = pointers.successors.map(fromPeerJson);
      this.routing.setSuccessors(first, rest);
    }
  }

  /** Waits until every accepted write has been passed on (eventual mode), for a clean hand-off or stop. */
  flushReplication(): Promise<void> {
    return this.replication.flush();
  }

  async close(): Promise<void> {
    await this.maintenance.stop();
    this.replication.close();
  }

  // ---- internals ----

  private createReplication(): ReplicationStrategy {
    return strategies[this.settings.consistency]({
      self: this.self,
      store: this.store,
      peers: this.peers,
      chain: () => this.activeChain,
      log: this.log,
    });
  }

  /**
   * Whether this node takes part in routing. A joining node does once its successor has
   * spliced it in; before that (a node restarted on an address the ring still lists, say)
   * it must not answer for keys, and says so, so that peers route around it.
   */
  get isMember(): boolean {
    return this.state !== 'joining' || this.spliced;
  }

  private assertMember(): void {
    if (!this.isMember) throw new ChordError('NOT_A_MEMBER', `node ${this.self.address} is not (yet) a member of the ring`, 503);
  }

  assertReady(): void {
    if (this.state !== 'ready') throw new NotReady(`node ${this.self.address} is ${this.state}; ask another node`);
  }

  /** A user operation entering here: retried while the ring changes, up to the retry deadline. */
  private async runUserOp(request: OpRequest): Promise<OpAnswer> {
    // A departing node still routes: until it is spliced out it may head keys, and after
    // that it hands requests to its old successor until its process exits.
    if (this.state === 'joining') this.assertReady();
    return retryWhileRingChanges(this.config.retryDeadlineMs, () => this.handleOp(request));
  }

  /** Forwards to `next`; a next hop that is gone is evicted and the request routed again without it. */
  private async forward(next: Peer | undefined, request: OpRequest, id: bigint): Promise<OpAnswer> {
    if (!next || next.address === this.self.address) {
      throw new NotReady(`node ${this.self.address} has no route for ${JSON.stringify(request.key)} yet`, 'RING_CHANGING');
    }
    try {
      const final = this.routing.ownerInSuccessors(id)?.address === next.address;
      return await this.peers.op(next.address, { ...request, hops: request.hops + 1, final });
    } catch (err) {
      if (!isGone(err, next.address)) throw err;
      if (!this.routing.evict(next.address)) throw err;
      this.log.warn(`${next.address} is unreachable; routing around it`);
      this.maintenance.kick();
      return this.handleOp(request);
    }
  }

  /** This node owns the key and holds the membership lock shared: order, apply, replicate. */
  private async executeAsHead(request: OpRequest): Promise<OpAnswer> {
    const { key, hops } = request;
    if (request.op === 'get') {
      const read = await this.replication.readAtHead(key, hops);
      if (!read.item || read.item.value === null) throw new KeyNotFound(key);
      return { key, value: read.item.value, node: read.node, hops: read.hops };
    }
    // The store's atomic update orders writes to one key: replicas apply versions in that order.
    let item!: KeyedItem;
    await this.store.update(key, (current) => {
      if (request.op === 'delete' && (!current || current.value === null)) throw new KeyNotFound(key);
      item = { key, value: request.op === 'put' ? request.value : null, version: nextVersion(current?.version) };
      return item;
    });
    try {
      await this.replication.replicate(item);
    } catch (err) {
      // A chain member is gone or slow: stabilize soon so the chain is rebuilt, and let the caller retry.
      this.maintenance.kick();
      throw err;
    }
    if (request.op === 'delete') return { key, deleted: true, node: this.self.address, hops };
    return { key, value: request.value, node: this.self.address, hops };
  }
}
