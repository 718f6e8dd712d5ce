/**
 * Read-only views of a node and of the ring around it: the documents behind GET /status,
 * /rpc/state, /rpc/items, /overlay and /kv (query "*").
 */
import { fingerStart, hashId, idToHex } from '../common/ring.js';
import {
  isLive, toMemberJson, type AllAnswer, type NodeItems, type OverlayAnswer, type RingSettings, type ScanAnswer, type ScanRequest, type StatusAnswer,
} from '../common/wire.js';
import type { Lifecycle } from './lifecycle.js';
import type { Neighbours } from './membership/neighbours.js';
import { NotReady } from '../common/errors.js';
import { retryWhileRingChanges } from './retry.js';
import type { NeighbourView } from './rpc/maintenance.js';
import { items as itemsCall, scan as scanCall } from './rpc/replication.js';
import type { RpcClient } from './rpc/spec.js';
import type { RoutingTable } from './routing.js';
import type { Store } from './storage/store.js';

export interface ViewComponents {
  readonly routing: RoutingTable;
  readonly lifecycle: Lifecycle;
  readonly store: Store;
  readonly rpc: RpcClient;
  readonly neighbours: Neighbours;
  settings(): RingSettings;
  /** Copies kept here for nodes that were down (quorum rings). */
  hints(): number;
  lastMaintenanceAt(): Date | null;
  now(): number;
}

export class Views {
  constructor(private readonly components: ViewComponents, private readonly init: { retryDeadlineMs: number }) {}

  /** What a notify answers with: this node's neighbour pointers and its routing view. */
  neighbourView(): NeighbourView {
    return { ...this.pointers(), view: this.components.routing.view.map(toMemberJson) };
  }

  /** The neighbour pointers, as /status shows them too. */
  private pointers(): NeighbourView {
    const { routing, lifecycle } = this.components;
    return {
      member: lifecycle.inRing,
      predecessor: routing.predecessor ? toMemberJson(routing.predecessor) : null,
      successors: routing.successors.map(toMemberJson),
    };
  }

  /**
   * The node's own view. Peers (stabilize, walks) ask many times a second for the neighbour
   * pointers alone (`forPeers`): key counts, which scan the whole store, are zeros then, and
   * fingers (160 ids to render) are left out.
   */
  async status(forPeers = false): Promise<StatusAnswer> {
    const withKeys = !forPeers;
    const { routing, lifecycle, store } = this.components;
    const settings = this.components.settings();
    const now = this.components.now();
    const entries = withKeys ? (await store.entries()).filter((e) => isLive(e, now)) : [];
    const primary = entries.filter((e) => routing.owns(hashId(e.key))).length;
    return {
      id: idToHex(routing.self.id),
      address: routing.self.address,
      ready: lifecycle.state === 'ready',
      state: lifecycle.state,
      ...this.pointers(),
      fingers: forPeers ? [] : routing.fingers.flatMap((member, index) => (member ? [{ index, start: idToHex(fingerStart(routing.self.id, index)), node: toMemberJson(member) }] : [])),
      k: settings.k,
      consistency: settings.mode,
      ...(settings.mode === 'quorum' ? { quorum: { r: settings.r, w: settings.w, sloppy: settings.sloppy, hints: this.components.hints() } } : {}),
      keys: { primary, replica: entries.length - primary, total: entries.length },
      lastMaintenanceAt: this.components.lastMaintenanceAt()?.toISOString() ?? null,
    };
  }

  /** Every pair held here (tombstones included) with its role. */
  async items(): Promise<NodeItems> {
    const { routing, store } = this.components;
    const entries = await store.entries();
    return {
      id: idToHex(routing.self.id),
      address: routing.self.address,
      items: entries.map((e) => ({ ...e, role: routing.owns(hashId(e.key)) ? 'primary' as const : 'replica' as const })),
    };
  }

  /** The ring in order, starting at this node. */
  async overlay(): Promise<OverlayAnswer> {
    this.components.lifecycle.assertReady();
    const ring = await retryWhileRingChanges(this.init.retryDeadlineMs, () => this.components.neighbours.overlay());
    return { nodes: ring.map(toMemberJson) };
  }

  /** The live pairs this node owns whose keys start with `prefix` and sort after `after`: the first `limit`, by key. */
  async ownedWithPrefix(prefix: string, after: string | undefined, limit: number): Promise<ScanAnswer['items']> {
    const { routing, store } = this.components;
    // While its predecessor is marked failed, the range before it is nobody's: a page now would silently miss it.
    if (!routing.predecessorAlive) throw new NotReady(`${routing.self.address} is taking over a failed node's keys; retry`, 'RING_CHANGING');
    const now = this.components.now();
    // What it owns, (predecessor, self]: one range of the store, not all of it.
    return (await store.scan(routing.predecessor?.id ?? routing.self.id, routing.self.id))
      .filter((e) => isLive(e, now) && e.key.startsWith(prefix) && (after === undefined || e.key > after))
      .sort(byKey)
      .slice(0, limit)
      .map((e) => ({ key: e.key, value: e.value as string, version: e.version, ...(e.expiresAt === undefined ? {} : { expiresAt: e.expiresAt }) }));
  }

  /**
   * One page of a prefix scan over the whole ring: every node's owned matches, merged by key.
   * Each node is read as it is at that moment (no snapshot across nodes).
   */
  async prefixScan(request: ScanRequest, reqId?: string): Promise<ScanAnswer> {
    const { lifecycle, neighbours, rpc } = this.components;
    lifecycle.assertReady();
    const after = request.cursor === undefined ? undefined : Buffer.from(request.cursor, 'base64url').toString('utf8');
    const pages = await retryWhileRingChanges(this.init.retryDeadlineMs, async () => {
      const ring = await neighbours.overlay();
      return Promise.all(ring.map((member) => rpc.call(scanCall, member.address, { prefix: request.prefix, after, limit: request.limit }, reqId)));
    });
    // Keys are owned by one node each; a key seen twice (a range changing hands mid-scan) counts once.
    const merged = [...new Map(pages.flat().sort(byKey).map((item) => [item.key, item])).values()];
    const items = merged.slice(0, request.limit);
    const more = merged.length > request.limit || pages.some((page) => page.length === request.limit);
    return { items, cursor: more && items.length > 0 ? Buffer.from(items.at(-1)!.key, 'utf8').toString('base64url') : null };
  }

  /** Every pair in the ring, grouped by node in ring order (query "*"); tombstones left out. */
  async ringContents(reqId?: string): Promise<AllAnswer> {
    const { lifecycle, neighbours, rpc } = this.components;
    lifecycle.assertReady();
    const now = this.components.now();
    // A walk that meets a node which just left (a successor list not yet refreshed) is walked again.
    const nodes = await retryWhileRingChanges(this.init.retryDeadlineMs, async () => {
      const ring = await neighbours.overlay();
      return Promise.all(ring.map((member) => rpc.call(itemsCall, member.address, undefined, reqId)));
    });
    return {
      nodes: nodes.map((n) => ({
        id: n.id,
        address: n.address,
        items: n.items.filter((i) => isLive(i, now)).map((i) => ({ key: i.key, value: i.value, role: i.role })),
      })),
    };
  }
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
