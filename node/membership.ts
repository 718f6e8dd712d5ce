/**
 * Membership: creating the ring, joining it, departing from it, and the repairs both
 * need (successor-list refresh, replica reconcile). A join or depart takes the
 * membership lock on every node whose range or chain it changes — the k-1 predecessors
 * of the change and the node at it — in ascending id order, so two changes never deadlock;
 * operations those nodes head wait meanwhile, which keeps linearizable reads exact.
 */
import { randomUUID } from 'node:crypto';
import { ChordError, Conflict, isGone, NotReady } from '../common/errors.js';
import { hashId, inHalfOpen, inOpen } from '../common/ring.js';
import {
  fromPeerJson, toPeerJson, type KeyedItem, type Peer, type PeerJson, type RingSettings, type StatusAnswer,
} from '../common/wire.js';
import type { ChordNode } from './chord-node.js';

/** Pairs per message when a node hands data to another. */
const TRANSFER_BATCH = 2000;

export class Membership {
  constructor(private readonly node: ChordNode) {}

  /** Starts a new ring with this node as its only member. */
  create(): void {
    this.node.routing.predecessor = null;
    this.node.routing.setSuccessors(undefined);
    this.node.state = 'ready';
  }

  /** Joins the ring through `contact` (any live member); resolves once this node serves its keys. */
  async join(contact: string, knownPeers: string[] = []): Promise<void> {
    const { node } = this;
    // A contact that is itself still joining has no ring settings to give yet.
    const remote = await this.liveState(contact);
    node.adoptSettings(remote.settings);
    const deadline = Date.now() + Math.max(30_000, node.config.lockLeaseMs * 2);
    for (let attempt = 0; ; attempt++) {
      const { node: successor } = await node.peers.findSuccessor(contact, toPeerJson(node.self).id);
      try {
        if (successor.address === node.self.address) {
          // The ring still lists this address: this node crashed and restarted before the
          // ring noticed. It answers member: false; its old neighbours find that out at their
          // next maintenance round, which we ask them to run now.
          await Promise.allSettled([contact, ...knownPeers].map((address) => node.peers.kick(address)));
          throw new NotReady(`the ring still lists ${node.self.address} from before a restart`, 'RING_CHANGING');
        }
        await node.peers.join(successor.address, toPeerJson(node.self));
        node.state = 'ready';
        return;
      } catch (err) {
        const retry = err instanceof ChordError && ['RING_CHANGING', 'WRONG_SUCCESSOR'].includes(err.code);
        if (!retry || Date.now() > deadline) throw err;
        await sleep(Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random()));
      }
    }
  }

  /** Run by the joiner's successor: hands the joiner its keys and splices it in. */
  async admit(joinerJson: PeerJson): Promise<{ joined: true }> {
    const { node } = this;
    const joiner = fromPeerJson(joinerJson);
    if (node.state !== 'ready') throw new NotReady(`node ${node.self.address} is ${node.state}`, 'RING_CHANGING');
    if (joiner.address === node.self.address) throw new Conflict('ALREADY_MEMBER', `${joiner.address} is this node`);
    if (node.routing.predecessor?.address === joiner.address || node.routing.successors.some((p) => p.address === joiner.address)) {
      const remote = await node.peers.state(joiner.address).catch(() => undefined);
      if (remote?.member) throw new Conflict('ALREADY_MEMBER', `${joiner.address} is already a member of this ring`);
      // It restarted and lost its place: forget the old one and admit it afresh (if our
      // predecessor was that old place, the check below asks it to retry after healing).
      node.routing.evict(joiner.address);
      node.maintenance.kick();
    }
    const predecessor = node.routing.predecessor;
    if (predecessor && !node.routing.predecessorAlive) {
      throw new NotReady(`${node.self.address} is taking over a failed predecessor's keys; retry`, 'RING_CHANGING');
    }
    if (predecessor && !inOpen(joiner.id, predecessor.id, node.self.id)) {
      throw new Conflict('WRONG_SUCCESSOR', `${node.self.address} is not the successor of ${joiner.address}; look it up again`);
    }
    const { k } = node.settings;
    const before = await this.walkBack(Math.max(k, node.config.successorListSize));
    // The joiner is locked too: its chain is set during the reconcile below, which switches chains only under a lock.
    await this.withLocks([node.self, joiner, ...before.slice(0, k - 1)], async () => {
      if (node.routing.predecessor?.address !== predecessor?.address) {
        throw new NotReady('the ring changed during the join; retry', 'RING_CHANGING');
      }
      const ringSize = node.routing.knownRingSize();
      const everything = ringSize !== undefined && ringSize + 1 <= k;
      const items = (await node.store.entries())
        .filter((item) => everything || !inHalfOpen(hashId(item.key), joiner.id, node.self.id));
      await this.send(joiner.address, items);

      const successors = [node.self, ...node.routing.successors];
      await node.peers.setPointers(joiner.address, {
        predecessor: toPeerJson(predecessor ?? node.self),
        successors: successors.map(toPeerJson),
      });
      node.routing.predecessor = joiner;
      if (!predecessor) node.routing.setSuccessors(joiner);
      await this.refreshBehind(before, []);
      // In a ring no larger than the list, this node's own list wraps round to the joiner too.
      if (before.length < node.config.successorListSize && predecessor) await this.refresh([]);
      await this.reconcileAround([...before.slice(0, k - 1), joiner, node.self, ...node.routing.successors.slice(0, k)]);
    });
    node.log.info(`admitted ${joiner.address} as predecessor`);
    return { joined: true };
  }

  /** Leaves the ring gracefully: hands every pair on, splices this node out, repairs replicas. */
  async depart(): Promise<{ departed: string }> {
    const { node } = this;
    if (node.state !== 'ready') throw new NotReady(`node ${node.self.address} is ${node.state}`);
    const successor = node.routing.successors[0];
    if (!successor) throw new Conflict('LAST_NODE', 'the last node of a ring cannot depart; stop its process instead');
    node.state = 'departing';
    try {
      const { k } = node.settings;
      const before = await this.walkBack(Math.max(k, node.config.successorListSize));
      const after = node.routing.successors.slice(0, k);
      await this.withLocks([node.self, successor, ...before.slice(0, k - 1)], async () => {
        await node.flushReplication();
        await this.send(successor.address, await node.store.entries());
        const predecessor = before[0];
        const alone = !predecessor || predecessor.address === successor.address;
        await node.peers.setPointers(successor.address, { predecessor: alone ? null : toPeerJson(predecessor) });
        await this.refreshBehind(before, [node.self.address]);
        node.state = 'departed';
        await this.reconcileAround([...before.slice(0, k - 1), ...after]);
      });
    } catch (err) {
      if (node.state === 'departing') node.state = 'ready';
      throw err;
    }
    node.log.info('departed');
    return { departed: node.self.address };
  }

  /**
   * Rebuilds the successor list from the first live successor not in `exclude`. As in
   * Chord's stabilize, a node that joined between us and that successor becomes our
   * successor. Unreachable successors are evicted. With none left, the node is alone
   * only when `mayBeAlone` (a depart said so); maintenance never concludes that by itself.
   */
  async refresh(exclude: string[], mayBeAlone = true): Promise<PeerJson[]> {
    const { node } = this;
    for (const candidate of node.routing.successors.filter((p) => !exclude.includes(p.address))) {
      let remote;
      try {
        remote = await this.liveState(candidate.address);
      } catch (err) {
        node.log.warn(`successor ${candidate.address} did not answer (${(err as ChordError).code ?? err}); skipping it`);
        if (isGone(err, candidate.address)) node.routing.evict(candidate.address);
        continue;
      }
      let successor = candidate;
      const between = remote.predecessor ? fromPeerJson(remote.predecessor) : null;
      if (between && !exclude.includes(between.address) && inOpen(between.id, node.self.id, candidate.id)) {
        try {
          remote = await this.liveState(between.address);
          successor = between;
        } catch {
          // the node in between is not answering (yet): keep the successor we reached
        }
      }
      const rest = remote.successors.map(fromPeerJson).filter((p) => !exclude.includes(p.address));
      node.routing.setSuccessors(successor, rest);
      return node.routing.successors.map(toPeerJson);
    }
    if (mayBeAlone) {
      node.routing.setSuccessors(undefined);
      node.routing.predecessor = null;
    }
    return node.routing.successors.map(toPeerJson);
  }

  /** The ring in order, starting at this node, walking successor lists. */
  async overlay(): Promise<Peer[]> {
    const { node } = this;
    const ring: Peer[] = [node.self];
    const seen = new Set([node.self.address]);
    let frontier = node.routing.successors;
    while (frontier.length > 0) {
      let last: Peer | undefined;
      for (const peer of frontier) {
        if (seen.has(peer.address)) return ring;
        seen.add(peer.address);
        ring.push(peer);
        last = peer;
      }
      if (!last) break;
      frontier = (await this.liveState(last.address)).successors.map(fromPeerJson);
    }
    return ring;
  }

  /** Up to `count` predecessors, nearest first, stopping where the walk comes back to this node. */
  async walkBack(count: number): Promise<Peer[]> {
    const { node } = this;
    const found: Peer[] = [];
    let current = node.routing.predecessor;
    while (current && current.address !== node.self.address && found.length < count) {
      if (found.some((p) => p.address === current!.address)) break;
      found.push(current);
      const remote = await this.liveState(current.address);
      current = remote.predecessor ? fromPeerJson(remote.predecessor) : null;
    }
    return found;
  }

  /** A peer's state, refusing one that is not a member (a restarted node still waiting to join counts as gone). */
  async liveState(address: string): Promise<StatusAnswer & { settings: RingSettings }> {
    const remote = await this.node.peers.state(address);
    if (!remote.member) throw new ChordError('NOT_A_MEMBER', `node ${address} is not a member of the ring`, 503);
    return remote;
  }

  private async withLocks(peers: Peer[], section: () => Promise<void>): Promise<void> {
    const { node } = this;
    const token = randomUUID();
    const unique = uniqueByAddress(peers).sort((a, b) => (a.id < b.id ? -1 : 1));
    const held: Peer[] = [];
    try {
      for (const peer of unique) {
        if (peer.address === node.self.address) await node.lock.acquireExclusive(token, node.config.lockLeaseMs);
        else await node.peers.lock(peer.address, token, node.config.lockLeaseMs);
        held.push(peer);
      }
      await section();
    } finally {
      await Promise.allSettled(held.map((peer) => peer.address === node.self.address
        ? node.lock.releaseExclusive(token)
        : node.peers.unlock(peer.address, token)));
    }
  }

  /** Rebuilds the successor lists of the nodes whose lists can reach the change, nearest first (each copies the one after it). */
  private async refreshBehind(before: Peer[], exclude: string[]): Promise<void> {
    for (const peer of before.slice(0, this.node.config.successorListSize)) {
      if (peer.address === this.node.self.address) await this.refresh(exclude);
      else await this.node.peers.refresh(peer.address, exclude);
    }
  }

  private async reconcileAround(peers: Peer[]): Promise<void> {
    const unique = uniqueByAddress(peers);
    await Promise.all(unique.map((peer) => peer.address === this.node.self.address
      ? this.node.replicas.reconcile()
      : this.node.peers.reconcile(peer.address)));
  }

  /** Pushes `items` to `address` in batches; the receiver keeps the newer version of each. */
  async send(address: string, items: KeyedItem[]): Promise<void> {
    if (address === this.node.self.address) return;
    for (let i = 0; i < items.length; i += TRANSFER_BATCH) {
      await this.node.peers.apply(address, { items: items.slice(i, i + TRANSFER_BATCH) });
    }
  }
}

const uniqueByAddress = (peers: Peer[]) => [...new Map(peers.map((p) => [p.address, p])).values()];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
