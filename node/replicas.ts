/**
 * Replica reconcile: makes one node hold exactly what the ring says it should. Pairs it
 * owns are pushed to its chain; pairs outside its k ranges are handed on to the nodes
 * that now hold them (a restarted node may bring copies the ring has since moved) and
 * only then dropped. Receivers keep whichever version is newer, so this is idempotent
 * and safe beside ordinary writes.
 */
import type { ChordError } from '../common/errors.js';
import { hashId, idToHex, inHalfOpen } from '../common/ring.js';
import { fromPeerJson, type KeyedItem, type Peer } from '../common/wire.js';
import type { ChordNode } from './chord-node.js';

export class ReplicaSync {
  constructor(private readonly node: ChordNode) {}

  /**
   * Pushes, hands on, drops. When this node's lock is held exclusively (by a membership
   * change or by maintenance) nothing it heads is in flight, so the chain it replicates
   * along may switch to the current successors; otherwise a changed chain is left for
   * maintenance to switch under the lock.
   */
  async reconcile(): Promise<{ pushed: number; dropped: number }> {
    const { node } = this;
    const mayReconfigure = node.lock.heldBy !== null;
    const { k } = node.settings;
    const before = await node.membership.walkBack(k);
    const holdsEverything = before.length < k; // the ring has at most k nodes
    const owned: KeyedItem[] = [];
    const foreign: KeyedItem[] = [];
    for (const item of await node.store.entries()) {
      const id = hashId(item.key);
      if (!holdsEverything && !inHalfOpen(id, before[k - 1].id, node.self.id)) foreign.push(item);
      else if (node.routing.owns(id)) owned.push(item);
    }
    const chain = node.routing.chain(k);
    await Promise.all(chain.map((peer) => node.membership.send(peer.address, owned)));
    if (mayReconfigure) node.activeChain = chain;
    else if (!sameChain(chain, node.activeChain)) node.maintenance.requestReconfigure();
    const dropped = foreign.length > 0 ? await this.handOn(foreign) : 0;
    return { pushed: owned.length, dropped };
  }

  /**
   * Sends pairs this node should no longer hold to their owner and its chain, then drops
   * them. A group whose holders cannot be reached is kept for the next round.
   */
  private async handOn(items: KeyedItem[]): Promise<number> {
    const { node } = this;
    const pending = items.map((item) => ({ item, id: hashId(item.key) })).sort((a, b) => (a.id < b.id ? -1 : 1));
    let dropped = 0;
    while (pending.length > 0) {
      const { id } = pending[0];
      let group = [pending.shift()!];
      try {
        const { node: ownerJson } = await node.findSuccessor(idToHex(id), 0);
        const owner = fromPeerJson(ownerJson);
        const state = await node.membership.liveState(owner.address);
        const from = state.predecessor ? fromPeerJson(state.predecessor).id : owner.id;
        // Every other pending pair in the same owner's range goes in the same messages.
        const rest = pending.filter((p) => inHalfOpen(p.id, from, owner.id));
        group = group.concat(rest);
        for (const p of rest) pending.splice(pending.indexOf(p), 1);
        const holders = [owner.address, ...state.successors.slice(0, node.settings.k - 1).map((p) => p.address)]
          .filter((address) => address !== node.self.address);
        const batch = group.map((g) => g.item);
        await Promise.all(holders.map((address) => node.membership.send(address, batch)));
        for (const { item } of group) await node.store.remove(item.key);
        dropped += group.length;
      } catch (err) {
        node.log.warn(`could not hand on ${group.length} pairs (${(err as ChordError).code ?? (err as Error).message}); keeping them for now`);
      }
    }
    return dropped;
  }
}

export function sameChain(a: readonly Peer[], b: readonly Peer[]): boolean {
  return a.length === b.length && a.every((peer, i) => peer.address === b[i].address);
}
