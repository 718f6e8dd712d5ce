/**
 * The composition root of a ring member: it builds each part from the components that
 * part needs, connects their callbacks, registers their node-to-node calls in the RPC
 * table, and is the narrow façade the HTTP adapter calls. Protocol logic lives in the parts.
 */
import { randomUUID } from 'node:crypto';
import { ChordError } from '../common/errors.js';
import { vnodeProblems } from '../common/vnodes.js';
import type { Logger } from '../common/log.js';
import { CONSISTENCIES, replicaCount, type BatchOp, type DeleteAnswer, type PutOptions, type ScanRequest, type WatchEvent, type Member, type OpAnswer, type QuorumAnswer, type RingSettings, type ValueAnswer } from '../common/wire.js';
import { failureTimeoutOf, quorumProblems, ringSettingsOf, successorsNeeded, type NodeConfig } from './config.js';
import { Lifecycle, type NodeState } from './lifecycle.js';
import { Maintenance } from './maintenance.js';
import { Membership } from './membership/membership.js';
import { Neighbours } from './membership/neighbours.js';
import { MembershipLock } from './membership-lock.js';
import { ReplicaSync } from './replicas.js';
import { strategies, type ReplicationStrategy } from './replication/index.js';
import { isConditional, mergeItems } from './replication/head.js';
import { ChainLeases } from './replication/chain-lease.js';
import { ReadLeases } from './replication/read-lease.js';
import { sendItems } from './replication/transfer.js';
import { noMetrics, type Metrics } from './metrics.js';
import { RecentWrites } from './recent-writes.js';
import { retryWhileRingChanges } from './retry.js';
import { Router, type Sibling } from './router.js';
import { maintenanceHandlers } from './rpc/maintenance.js';
import { membershipHandlers } from './rpc/membership.js';
import { chainLease as chainLeaseCall, lease as leaseCall, replicaHandlers } from './rpc/replication.js';
import { routingHandlers, type BatchResult, type OpRequest } from './rpc/routing.js';
import { BatchRouter } from './batch.js';
import { ChangeFeed } from './replication/feed.js';
import { Watches } from './watch.js';
import { RpcServer } from './rpc/server.js';
import { handle, type RpcClient } from './rpc/spec.js';
import { RoutingTable } from './routing.js';
import { MemoryHintBook, type HintBook } from './storage/hints.js';
import type { PeerBook } from './storage/peer-book.js';
import type { Store } from './storage/store.js';
import { ModeVersions } from './versions/by-mode.js';
import type { VersionPolicy } from './versions/policy.js';
import { Views } from './views.js';
import { ExpiryIndexedStore } from './storage/expiry-index.js';
import { ExpirySweeper } from './replication/expiry.js';
import { NotifyingStore } from './storage/notifying-store.js';
import { createMerkle } from './merkle/index.js';

/**
 * A forwarded batch's operations are answered together, so one slow operation would hold the
 * others': each is given this share of the request timeout, the caller's deadline for the batch.
 */
const FORWARDED_DEADLINE_SHARE = 0.8;

export type { NodeState } from './lifecycle.js';

/** Settings as a ring answers them: a mode this node knows, k ≥ 1, and (quorum) 1 ≤ R, W ≤ k. */
function validSettings(settings: RingSettings): boolean {
  if (!CONSISTENCIES.includes(settings?.mode) || !Number.isInteger(settings.k) || settings.k < 1) return false;
  if (settings.vnodes !== undefined && vnodeProblems(settings.vnodes, 1).length > 0) return false;
  if (settings.mode !== 'quorum') return true;
  const { k, r, w, sloppy } = settings;
  return r !== undefined && w !== undefined && typeof sloppy === 'boolean' && quorumProblems({ k, consistency: 'quorum', r, w, sloppy }).length === 0;
}

/** What a node is built from. */
export interface NodeComponents {
  readonly self: Member;
  readonly store: Store;
  readonly peerBook: PeerBook;
  /** Node-to-node calls, over whichever transport the node was given. */
  readonly rpc: RpcClient;
  readonly log: Logger;
  readonly versions?: VersionPolicy;
  /** Copies kept for nodes that were down (quorum mode); default: in memory. */
  readonly hints?: HintBook;
  /** The wall clock in epoch milliseconds (default Date.now). */
  readonly now?: () => number;
  /** Where the parts report what they do (default: nowhere). */
  readonly metrics?: Metrics;
  /** Every ring id of this node's process, this one included (one id per process: none needed). */
  readonly siblings?: () => readonly Sibling[];
}

export class ChordNode {
  readonly self: Member;
  readonly routing: RoutingTable;
  readonly lock = new MembershipLock();
  readonly lifecycle: Lifecycle;
  /** Every node-to-node call this node serves; transports dispatch into it. */
  readonly rpcServer = new RpcServer();
  readonly membership: Membership;
  readonly maintenance: Maintenance;
  readonly replicas: ReplicaSync;
  private readonly router: Router;
  private readonly batches: BatchRouter;
  private readonly feed: ChangeFeed;
  private readonly watches: Watches;
  private readonly views: Views;
  private readonly leases: ReadLeases;
  private readonly chainLeases: ChainLeases;
  private settings_: RingSettings;
  private replication: ReplicationStrategy;

  private readonly store: ExpiryIndexedStore;
  private readonly hints: HintBook;
  private readonly now: () => number;

  constructor(readonly config: NodeConfig, private readonly components: NodeComponents) {
    const { self, rpc, log, peerBook } = components;
    const metrics = components.metrics ?? noMetrics;
    // Every write passes here, so the Merkle trees hear of it; a store handed in already notifying is used as is.
    const changes = components.store instanceof NotifyingStore ? components.store : new NotifyingStore(components.store);
    const store = new ExpiryIndexedStore(changes);
    this.store = store;
    this.now = components.now ?? Date.now;
    this.hints = components.hints ?? new MemoryHintBook();
    const versions = components.versions ?? new ModeVersions(() => this.settings_.mode, self.address, this.now);
    this.feed = new ChangeFeed(versions);
    this.self = self;
    this.routing = new RoutingTable(self, config.successorListSize, successorsNeeded(config) - 1);
    this.lifecycle = new Lifecycle(self);
    this.settings_ = ringSettingsOf(config);
    const { routing, lock, lifecycle } = this;
    const settings = () => this.settings_;
    const kickMaintenance = () => this.maintenance.kick();
    const neighbours = new Neighbours({ routing, rpc, log }, failureTimeoutOf(config));
    this.leases = new ReadLeases({ routing, lifecycle, rpc, log });
    this.chainLeases = new ChainLeases({
      routing, lifecycle, rpc, log, chain: () => this.replicas.activeChain, pushedRangeFrom: () => this.replicas.pushedRangeFrom,
      readLeaseLeft: () => (this.leases.held() ? this.leases.left() : 0), headsToAsk: () => replicaCount(this.settings_) - 1,
    });
    const { chainLeases } = this;
    this.router = new Router(
      { routing, lifecycle, rpc, lock, log, metrics, recentWrites: new RecentWrites(), replication: () => this.replication, siblings: components.siblings },
      { onPeerGone: kickMaintenance },
    );
    const findSuccessor = (idHex: string, hops: number, reqId?: string) => this.router.findSuccessor(idHex, hops, reqId);
    this.batches = new BatchRouter({
      routing, lifecycle, rpc, route: (request, reqId) => this.router.route(request, reqId), retry: (request, reqId) => this.runUserOp(request, reqId),
    });
    this.watches = new Watches({
      routing, lifecycle, feed: this.feed, versions, rpc, findSuccessor, overlay: () => neighbours.overlay({ verify: false }),
      acknowledged: (key) => this.replication.lastAcknowledged?.(key) ?? store.get(key),
    });
    this.replicas = new ReplicaSync(
      { routing, store, rpc, lock, neighbours, log, versions, findSuccessor, settings, chainLeases },
      { requestReconfigure: () => this.maintenance.requestReconfigure() },
    );
    this.replication = this.createReplication(versions);
    // A node from before write records were handed over does not know the call: the range
    // moves all the same (a retry there may be applied twice, as it could then). Any other
    // failure is the caller's to handle.
    const handOverWrites = (address: string, from: bigint, to: bigint) => (this.replication.handOver?.(address, from, to) ?? Promise.resolve()).catch((err: unknown) => {
      if ((err as ChordError).code !== 'NOT_FOUND') throw err;
      log.warn(`${address} does not take write records (an older version); moving the range without them`, { peer: address });
    });
    this.membership = new Membership(
      { routing, lifecycle, rpc, lock, store, neighbours, log, settings, chainLeases, reconcile: () => this.replicas.reconcile() },
      config,
      {
        adoptSettings: (s) => this.adoptSettings(s, versions),
        flushReplication: () => this.replication.flush(),
        // A failure fails the change, which is tried again (records already there are kept once).
        handOverWrites,
        kickMaintenance,
      },
    );
    const merkle = createMerkle({ routing, store, changes, rpc, versions, log, chain: () => this.replicas.activeChain });
    const expiry = new ExpirySweeper({ store, routing, lock, log, now: this.now, replication: () => this.replication });
    this.maintenance = new Maintenance(
      { routing, lifecycle, rpc, lock, neighbours, peerBook, log, metrics, findSuccessor, replicas: this.replicas, leases: this.leases, expire: () => expiry.sweep(), antiEntropy: () => merkle.exchange.run(), handOverWrites,
        sendPairs: async (address, from, to) => sendItems(rpc, address, await store.scan(from, to)),
        aloneAfterSilence: () => this.settings_.mode !== 'linearizable' },
      config,
    );
    this.views = new Views(
      { routing, lifecycle, store, rpc, neighbours, settings, hints: () => this.hints.size(), lastMaintenanceAt: () => this.maintenance.lastMaintenanceAt, now: this.now },
      config,
    );
    this.watchGauges(metrics);

    this.rpcServer.register([
      handle(leaseCall, (request) => this.leases.grant(request.node)),
      handle(chainLeaseCall, (request) => this.chainLeases.grant(request.node)),
      ...routingHandlers({
        route: (request, reqId) => this.router.arrived(request, reqId),
        findSuccessor,
        batch: (ops, hops, reqId) => this.batches.run(ops, hops, reqId),
      }, {
        self: routing.self.address,
        deadlineMs: FORWARDED_DEADLINE_SHARE * config.requestTimeoutMs,
        onUnexpected: (err, reqId) => log.error(`a forwarded operation failed: ${(err as Error)?.message ?? String(err)}`, { err, reqId }),
      }),
      ...membershipHandlers({
        admit: (joiner, token) => this.membership.admit(joiner, token),
        joinLocks: (joiner) => this.membership.joinLocks(joiner),
        lock: (token, leaseMs) => lock.acquireExclusive(token, leaseMs),
        renewLock: (token, leaseMs) => lock.renewExclusive(token, leaseMs),
        unlock: (token) => lock.releaseExclusive(token),
        refresh: (exclude) => neighbours.refresh(exclude),
        setPointers: (pointers) => this.membership.setPointers(pointers),
      }),
      ...maintenanceHandlers({
        state: async () => ({ ...(await this.views.status(true)), settings: this.settings_ }),
        notify: (candidate) => this.maintenance.notified(candidate),
        neighbourView: () => this.views.neighbourView(),
        kick: kickMaintenance,
      }),
      ...replicaHandlers({
        apply: (items) => mergeItems(store, versions, items),
        items: () => this.views.items(),
        reconcile: () => this.replicas.reconcile(),
        scan: (prefix, after, limit) => this.views.ownedWithPrefix(prefix, after, limit),
        watch: (key, after, waitMs) => this.watches.poll(key, after, waitMs),
        watchPrefix: (prefix, afterSeq, sinceMs, waitMs) => this.watches.pollPrefix(prefix, afterSeq, sinceMs, waitMs),
      }),
      ...merkle.handlers,
      ...this.replication.handlers,
    ]);
  }

  get settings(): RingSettings {
    return this.settings_;
  }

  get state(): NodeState {
    return this.lifecycle.state;
  }

  // ---- the public API (what the HTTP adapter calls) ----

  /** Inserts or overwrites; with conditions, only when the key's live version matches (compare-and-set); with `ttlMs`, for that long. */
  put(key: string, value: string, options: PutOptions = {}, reqId?: string): Promise<ValueAnswer | QuorumAnswer> {
    return this.runUserOp({ op: 'put', key, value, ...options, hops: 0, id: randomUUID() }, reqId) as Promise<ValueAnswer | QuorumAnswer>;
  }

  /** The key's value; in a quorum ring, its siblings when concurrent writes left several, and a context. */
  get(key: string, reqId?: string): Promise<ValueAnswer | QuorumAnswer> {
    return this.runUserOp({ op: 'get', key, hops: 0 }, reqId) as Promise<ValueAnswer | QuorumAnswer>;
  }

  /** Deletes; in a quorum ring, `context` names the versions the delete supersedes (without one: those a read quorum holds). */
  delete(key: string, options: { context?: string } = {}, reqId?: string): Promise<DeleteAnswer> {
    return this.runUserOp({ op: 'delete', key, ...options, hops: 0, id: randomUUID() }, reqId) as Promise<DeleteAnswer>;
  }

  /**
   * Many operations at once, grouped by next hop; an operation that met a changing ring is
   * tried again on its own (as a single request would be). Results come in the order given.
   */
  async batch(ops: BatchOp[], reqId?: string): Promise<{ results: BatchResult[] }> {
    if (this.lifecycle.state === 'joining') this.lifecycle.assertReady();
    return { results: await this.batches.runFromEntry(ops, reqId) };
  }

  /** Every acknowledged change of `key` from the moment this resolves, until `signal` aborts (the owner may change meanwhile). */
  watch(key: string, signal: AbortSignal, reqId?: string): Promise<AsyncIterable<WatchEvent>> {
    return this.watches.open(key, signal, reqId);
  }

  /** Every acknowledged change of a key starting with `prefix`, from the moment this resolves, until `signal` aborts. */
  watchPrefix(prefix: string, signal: AbortSignal, reqId?: string): Promise<AsyncIterable<WatchEvent>> {
    return this.watches.openPrefix(prefix, signal, reqId);
  }

  /** Whether this id owns `id` (routing across the ids of one process asks it). */
  owns(id: bigint): boolean {
    return this.routing.owns(id);
  }

  /** Routes an operation another id of this process hands over, as if it had arrived here. */
  relay(request: OpRequest, reqId?: string): Promise<OpAnswer> {
    return this.router.route(request, reqId);
  }

  async depart(): Promise<{ departed: string }> {
    return { departed: (await this.membership.depart()).departed };
  }

  status(): ReturnType<Views['status']> {
    return this.views.status();
  }

  overlay(): ReturnType<Views['overlay']> {
    return this.views.overlay();
  }

  ringContents(reqId?: string): ReturnType<Views['ringContents']> {
    return this.views.ringContents(reqId);
  }

  prefixScan(request: ScanRequest, reqId?: string): ReturnType<Views['prefixScan']> {
    return this.views.prefixScan(request, reqId);
  }

  /** Stops maintenance and replication (the transport and store are closed by their owner). */
  async close(): Promise<void> {
    await this.maintenance.stop();
    this.replication.close();
  }

  // ---- internals ----

  /** Adopts the ring-wide settings of the ring this node joins, and that mode's strategy. */
  private adoptSettings(settings: RingSettings, versions: VersionPolicy): void {
    if (!validSettings(settings)) {
      throw new ChordError('BAD_RESPONSE', `the ring answered settings this node does not understand: ${JSON.stringify(settings)}`);
    }
    this.settings_ = { ...settings };
    const needed = successorsNeeded({ k: settings.k, sloppy: settings.mode === 'quorum' && settings.sloppy });
    this.routing.growSuccessorList(needed, needed - 1);
    this.replication.close();
    this.rpcServer.unregister(this.replication.handlers);
    this.replication = this.createReplication(versions);
    this.rpcServer.register(this.replication.handlers);
  }

  /** Gauges read when /metrics is scraped: what this node holds, knows and has yet to pass on. */
  private watchGauges(metrics: Metrics): void {
    metrics.gauge('chordkv_keys', 'Live pairs held here, by role', ['role'], async () => {
      const { keys } = await this.views.status();
      return [[{ role: 'primary' }, keys.primary], [{ role: 'replica' }, keys.replica]];
    });
    metrics.gauge('chordkv_ring_size', 'Members this node knows of: itself, its predecessor, successors and fingers', [], async () => {
      const { self, predecessor, successors, fingers } = this.routing;
      const known = [self, predecessor, ...successors, ...fingers].filter((m) => m !== undefined && m !== null);
      return [[{}, new Set(known.map((m) => m.address)).size]];
    }, 'max');
    metrics.gauge('chordkv_replication_backlog', 'Writes accepted here and not yet passed on to every replica', [], async () => [[{}, this.replication.backlog()]]);
  }

  private createReplication(versions: VersionPolicy): ReplicationStrategy {
    const { self, rpc, log } = this.components;
    return strategies[this.settings_.mode](
      {
        self, store: this.store, rpc, versions, log, now: this.now, chain: () => this.replicas.activeChain,
        settings: this.settings_, hints: this.hints, successors: () => this.routing.successors, readLease: () => this.leases.held(),
        chainLeaseCovers: (id) => this.chainLeases.covers(id), owns: (id) => this.routing.owns(id),
        // A node alone (no predecessor, no successor) has no one to take its range over. One cut
        // off from every successor still has its predecessor, and needs the lease like any head.
        mayHead: async () => this.routing.isAlone() || await this.leases.acquire(),
        headsNow: () => this.routing.isAlone() || this.leases.held(),
        headsItself: (id) => this.lifecycle.state === 'ready' && this.routing.headsItself(id),
        handedOn: (key) => this.replicas.handedOnLately(key),
      },
      { onReplicaFailed: () => this.maintenance.kick(), onAcknowledged: (item) => this.feed.append(item) },
    );
  }

  /** A user operation entering here: retried while the ring changes, up to the retry deadline. */
  private runUserOp(request: OpRequest, reqId: string | undefined): Promise<OpAnswer> {
    // A departing node still routes: until it is spliced out it may head keys, and after
    // that it hands requests to its old successor until its process exits.
    if (this.lifecycle.state === 'joining') this.lifecycle.assertReady();
    // A compare-and-set that failed after its head applied it (a replica did not answer) may
    // have taken effect: trying it again would see its own write and answer VERSION_MISMATCH.
    // Only failures before the head are retried for it; the caller re-reads after the others.
    const conditional = isConditional(request);
    const beforeTheHead = (err: unknown) => !conditional || !['PEER_TIMEOUT', 'PEER_UNREACHABLE'].includes((err as ChordError).code);
    // A quorum's coordinator has already waited for every replica it could ask: the caller
    // hears of the shortfall now, not after the retry deadline.
    const mayRetry = (err: unknown) => (err as ChordError).code !== 'QUORUM_NOT_MET' && beforeTheHead(err);
    return retryWhileRingChanges(this.config.retryDeadlineMs, () => this.router.route(request, reqId), mayRetry);
  }
}
