/**
 * A node's routing state (predecessor, successor list, fingers) and the lookup
 * decisions made from it. Pure apart from its own fields: no I/O here.
 */
import { inHalfOpen, inOpen, distance } from '../common/ring.js';
import type { Peer } from '../common/wire.js';

export class RoutingTable {
  predecessor: Peer | null = null;
  /** The next nodes clockwise, nearest first, never including this node and never wrapping past it. */
  successors: Peer[] = [];
  /** Finger i points at successor(self + 2^i); empty until finger maintenance fills it. */
  fingers: (Peer | undefined)[] = [];

  constructor(readonly self: Peer, readonly successorListSize: number) {}

  /** True when this node is the owner (successor) of `id`. */
  owns(id: bigint): boolean {
    const pred = this.predecessor;
    if (!pred || pred.address === this.self.address) return true;
    return inHalfOpen(id, pred.id, this.self.id);
  }

  /** The next node to forward a request for `id` to; only meaningful when `owns(id)` is false. */
  nextHop(id: bigint): Peer {
    const successor = this.successors[0];
    if (!successor) return this.self;
    if (inHalfOpen(id, this.self.id, successor.id)) return successor;
    return this.closestPrecedingNode(id);
  }

  /** Of every node this one knows, the one that most closely precedes `id` (the paper's closest_preceding_node). */
  closestPrecedingNode(id: bigint): Peer {
    let best: Peer | undefined;
    let bestDistance = -1n;
    for (const candidate of [...this.fingers, ...this.successors]) {
      if (!candidate || !inOpen(candidate.id, this.self.id, id)) continue;
      const d = distance(this.self.id, candidate.id);
      if (d > bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best ?? this.successors[0] ?? this.self;
  }

  /** The k-1 nodes after this one that hold copies of what it owns (fewer in a smaller ring). */
  chain(k: number): Peer[] {
    return this.successors.slice(0, Math.max(0, k - 1));
  }

  /** The ring's size when the successor list shows all of it (the list is not full), else undefined. */
  knownRingSize(): number | undefined {
    return this.successors.length < this.successorListSize ? this.successors.length + 1 : undefined;
  }

  /** Replaces the successor list with `[first, ...rest]`, cut where it would wrap back to this node. */
  setSuccessors(first: Peer | undefined, rest: readonly Peer[] = []): void {
    const list: Peer[] = [];
    for (const peer of first ? [first, ...rest] : []) {
      if (peer.address === this.self.address) break;
      if (list.some((p) => p.address === peer.address)) break;
      list.push(peer);
      if (list.length === this.successorListSize) break;
    }
    this.successors = list;
  }
}
