/**
 * A node's routing state (predecessor, successor list, fingers) and the lookup
 * decisions made from it. Pure apart from its own fields: no I/O here.
 */
import { inHalfOpen, inOpen, distance } from '../common/ring.js';
import type { Peer } from '../common/wire.js';

export class RoutingTable {
  predecessor: Peer | null = null;
  /**
   * False once the predecessor stopped answering. Its id still bounds what this node
   * owns — taking over its range is left to `notify` from the node before it, so that
   * two nodes never both claim a range while the ring heals.
   */
  predecessorAlive = true;
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

  /**
   * The next node to forward a request for `id` to; only meaningful when `owns(id)` is false.
   * When the owner is in the successor list it is reached directly, one hop instead of
   * stopping at its predecessor first.
   */
  nextHop(id: bigint): Peer {
    return this.ownerInSuccessors(id) ?? this.closestPrecedingNode(id);
  }

  /** The owner of `id` when the successor list shows it: the first entry at or after `id`. */
  ownerInSuccessors(id: bigint): Peer | undefined {
    let previous = this.self;
    for (const successor of this.successors) {
      if (inHalfOpen(id, previous.id, successor.id)) return successor;
      previous = successor;
    }
    return undefined;
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

  /**
   * Chord's notify: `candidate` thinks it is our predecessor. Accepted when we have none,
   * ours has failed, or `candidate` sits between it and us. Returns whether it changed.
   */
  notify(candidate: Peer): boolean {
    if (candidate.address === this.predecessor?.address) this.predecessorAlive = true;
    if (!this.wouldAccept(candidate)) return false;
    this.predecessor = candidate;
    this.predecessorAlive = true;
    return true;
  }

  /** Whether `notify(candidate)` would change the predecessor. */
  wouldAccept(candidate: Peer): boolean {
    const pred = this.predecessor;
    if (candidate.address === this.self.address || candidate.address === pred?.address) return false;
    return !pred || !this.predecessorAlive || inOpen(candidate.id, pred.id, this.self.id);
  }

  /** Forgets a node that stopped answering, wherever it appears; returns whether it was known. */
  evict(address: string): boolean {
    let known = false;
    if (this.successors.some((p) => p.address === address)) {
      this.successors = this.successors.filter((p) => p.address !== address);
      known = true;
    }
    this.fingers = this.fingers.map((f) => {
      if (f?.address !== address) return f;
      known = true;
      return undefined;
    });
    if (this.predecessor?.address === address) {
      this.predecessorAlive = false;
      known = true;
    }
    return known;
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
