/**
 * Replica placement: makes one node hold exactly what the ring says it should. Pairs it
 * owns are pushed to its chain when the chain or range changed (between changes, the Merkle
 * exchange of node/merkle/ repairs differences without pushing everything); pairs outside its k ranges are handed on to the nodes
 * that now hold them (a restarted node may bring copies the ring has since moved) and
 * only then dropped. Receivers keep whichever version is newer, so this is idempotent
 * and safe beside ordinary writes. It also keeps the active chain: the one writes and
 * reads use, which follows the successor list only under this node's exclusive lock.
 */
import { performance } from 'node:perf_hooks';
import { BoundedMap } from '../common/bounded-map.js';
import type { ChordError } from '../common/errors.js';
import type { Logger } from '../common/log.js';
import { hashId, idToHex, inHalfOpen, inOpen } from '../common/ring.js';
import { distinctProcesses, heldRanges } from '../common/vnodes.js';
import { fromMemberJson, replicaCount, type Item, type KeyedItem, type Member, type RingSettings } from '../common/wire.js';
import type { Neighbours } from './membership/neighbours.js';
import type { ChainLeases } from './replication/chain-lease.js';
import type { MembershipLock } from './membership-lock.js';
import { sendItems } from './replication/transfer.js';
import type { FindSuccessorAnswer } from './rpc/routing.js';
import type { RpcClient } from './rpc/spec.js';
import type { RoutingTable } from './routing.js';
import type { Store } from './storage/store.js';
import type { VersionPolicy } from './versions/policy.js';

export interface ReplicaComponents {
  readonly routing: RoutingTable;
  readonly store: Store;
  readonly rpc: RpcClient;
  readonly lock: MembershipLock;
  readonly neighbours: Pick<Neighbours, 'walkBack' | 'liveState'>;
  readonly log: Logger;
  readonly versions: VersionPolicy;
  /** The chain leases this node granted as a head: a chain that drops a member switches only once they ran out. */
  readonly chainLeases: Pick<ChainLeases, 'drained'>;
  findSuccessor(idHex: string, hops: number): Promise<FindSuccessorAnswer>;
  settings(): RingSettings;
}

export interface ReplicaCallbacks {
  /** The chain changed while the lock was not held: switch it under the lock, soon. */
  requestReconfigure(): void;
}

/**
 * How long a node remembers a key it handed on and dropped. A head whose chain names this
 * node switches to its new chain in a round soon after its successor list changes, or keeps
 * retrying each round while a new member cannot take the push: a minute is many rounds.
 */
export const HANDED_ON_MEMORY_MS = 60_000;
/** Keys remembered as handed on at most; the oldest are forgotten first. */
export const MAX_HANDED_ON = 100_000;

export class ReplicaSync {
  private active: readonly Member[] = [];
  /** Where the range begins whose pairs the active chain was last given, (pushedFrom, self]; undefined before the first push. */
  private pushedFrom: bigint | undefined;
  /** Keys this node dropped after handing them on, and when (monotonic ms). */
  private readonly handedOnAt = new BoundedMap<string, number>(MAX_HANDED_ON);

  constructor(
    private readonly components: ReplicaComponents,
    private readonly callbacks: ReplicaCallbacks,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * The chain writes and reads use. It follows the successor list only under this node's
   * exclusive lock, after the new members received every pair (`reconcile`): a node added
   * to the chain never serves a read before it holds all acknowledged writes.
   */
  get activeChain(): readonly Member[] {
    return this.active;
  }

  /**
   * The start of the range the active chain has been given every pair of and this node still
   * heads: chain leases cover no more. A range that grew (a depart, a takeover) counts once it
   * was pushed; one that shrank (a joiner admitted before this node) counts no further than
   * the predecessor at once, even if the push that would say so failed: the joiner heads the
   * rest through a chain without this node's tail.
   */
  get pushedRangeFrom(): bigint | undefined {
    const from = this.pushedFrom;
    const predecessor = this.components.routing.predecessor;
    if (from !== undefined && predecessor && inOpen(predecessor.id, from, this.components.routing.self.id)) return predecessor.id;
    return from;
  }

  /**
   * Whether this node dropped its copy of `key` lately, after handing it on. A head that has
   * not yet seen the ring change may still read it here as its tail: "not found" would be a
   * lie, so that read is refused and retried instead.
   */
  handedOnLately(key: string): boolean {
    const at = this.handedOnAt.get(key);
    return at !== undefined && this.now() - at < HANDED_ON_MEMORY_MS;
  }

  /** Whether the active chain is the one the successor list calls for. */
  chainIsCurrent(): boolean {
    const { routing } = this.components;
    return sameChain(this.active, routing.chain(replicaCount(this.components.settings())));
  }

  /**
   * Pushes, hands on, drops. When this node's lock is held exclusively (by a membership
   * change or by maintenance) nothing it heads is in flight, so the chain it replicates
   * along may switch to the current successors; otherwise a changed chain is left for
   * maintenance to switch under the lock.
   */
  async reconcile(): Promise<{ pushed: number; dropped: number }> {
    const { routing, store, rpc, lock } = this.components;
    const mayReconfigure = lock.heldBy !== null;
    const k = replicaCount(this.components.settings());
    const self = routing.self.id;
    // What it owns: everything when it has no predecessor.
    const from = routing.predecessor?.id ?? self;
    const owned = await store.scan(from, self);
    const chain = routing.chain(k);
    await Promise.all(chain.map((member) => sendItems(rpc, member.address, owned)));
    if (mayReconfigure) await this.switchTo(chain);
    else if (!sameChain(chain, this.active)) this.callbacks.requestReconfigure();
    if (sameChain(chain, this.active)) this.pushedFrom = from;
    return { pushed: owned.length, dropped: await this.handOnForeign() };
  }

  /**
   * A member the new chain leaves out may hold a chain lease from this node and answer reads
   * from its copy until it runs out; writes acknowledged through the new chain would not pass
   * it. So such a switch waits until every lease this node granted has run out.
   */
  private async switchTo(chain: readonly Member[]): Promise<void> {
    if (sameChain(chain, this.active)) return;
    const dropsMember = this.active.some((member) => !chain.some((m) => m.id === member.id));
    if (dropsMember) await this.components.chainLeases.drained(() => { this.active = chain; });
    else this.active = chain;
    const addresses = chain.map((m) => m.address).join(', ');
    this.components.log.info(`writes go down the chain ${addresses || '(none: no other node)'} now`, { chain: addresses });
  }

  /**
   * Hands on, then drops, what lies outside the k ranges this node holds (nothing in a ring
   * of at most k nodes); replica ranges are not read. Returns how many pairs it dropped.
   */
  async handOnForeign(): Promise<number> {
    const heldFrom = await this.heldFrom(replicaCount(this.components.settings()));
    const foreign = heldFrom === undefined ? [] : await this.components.store.scan(this.components.routing.self.id, heldFrom);
    return foreign.length > 0 ? this.handOn(foreign) : 0;
  }

  /**
   * Where the ranges this node holds begin, (heldFrom, self]: its own and those of the
   * predecessors whose replica sets include it (k ranges with one id per process);
   * undefined in a ring of at most k processes (it holds everything).
   */
  private async heldFrom(k: number): Promise<bigint | undefined> {
    const self = this.components.routing.self.address;
    // k predecessors settle it with one id per process; with several, a longer walk may be needed.
    for (let count = k; ; count *= 2) {
      const before = await this.components.neighbours.walkBack(count);
      const held = heldRanges(self, before, k);
      if (held < before.length) return before[held].id;
      if (before.length < count) return undefined; // the walk came round: the ring is that small
    }
  }

  /**
   * Sends pairs this node should no longer hold to their owner and its chain, then drops
   * them. A group whose holders cannot be reached is kept for the next round.
   */
  private async handOn(items: KeyedItem[]): Promise<number> {
    const { routing, store, rpc, neighbours, log, versions } = this.components;
    const k = replicaCount(this.components.settings());
    // Sorted by id, the pairs of one owner's range are a run at the front of what is left,
    // plus (for a range that wraps past zero) a run at the back.
    let pending = items.map((item) => ({ item, id: hashId(item.key) })).sort((a, b) => (a.id < b.id ? -1 : 1));
    let dropped = 0;
    while (pending.length > 0) {
      let group = pending.slice(0, 1);
      let rest = pending.slice(1);
      try {
        const owner = fromMemberJson((await this.components.findSuccessor(idToHex(pending[0].id), 0)).node);
        const state = await neighbours.liveState(owner.address);
        const from = state.predecessor ? fromMemberJson(state.predecessor).id : owner.id;
        const inRange = (p: { id: bigint }) => inHalfOpen(p.id, from, owner.id);
        let front = 1;
        while (front < pending.length && inRange(pending[front])) front++;
        let back = pending.length;
        while (back > front && inRange(pending[back - 1])) back--;
        group = [...pending.slice(0, front), ...pending.slice(back)];
        rest = pending.slice(front, back);
        const holders = [owner.address, ...distinctProcesses(owner.address, state.successors).slice(0, k - 1).map((p) => p.address)]
          .filter((address) => address !== routing.self.address);
        const batch = group.map((g) => g.item);
        await Promise.all(holders.map((address) => sendItems(rpc, address, batch)));
        // The ring may have moved while the pairs travelled: keep what is this node's to hold
        // again (it joined a chain, say), and any pair written since; drop only what was sent.
        const heldFrom = await this.heldFrom(k);
        let droppedHere = 0;
        for (const { item, id } of group) {
          if (heldFrom === undefined || inHalfOpen(id, heldFrom, routing.self.id)) continue;
          const unchanged = (current: Item) => current.value === item.value && versions.same(current.version, item.version);
          // Marked first: a read served while the remove is under way must not find the key
          // gone and unmarked. A mark on a key still here changes nothing.
          this.handedOnAt.set(item.key, this.now());
          if (await store.remove(item.key, unchanged)) droppedHere++;
        }
        if (droppedHere > 0) log.info(`handed ${group.length} pairs on to ${owner.address} and its successors; dropped ${droppedHere}`, { peer: owner.address, pairs: group.length, dropped: droppedHere });
        dropped += droppedHere;
      } catch (err) {
        log.warn(`could not hand on ${group.length} pairs (${(err as ChordError).code ?? (err as Error).message}); keeping them for now`, { pairs: group.length, code: (err as ChordError).code });
      } finally {
        pending = rest;
      }
    }
    return dropped;
  }
}

function sameChain(a: readonly Member[], b: readonly Member[]): boolean {
  return a.length === b.length && a.every((member, i) => member.id === b[i].id);
}
