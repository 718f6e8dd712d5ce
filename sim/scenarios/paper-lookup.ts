/**
 * The paper's lookup rule (Stoica et al. 2001, Fig. 5), walked over the real nodes' finger
 * tables as the paper's iterative simulator walks its own: a node whose immediate successor
 * owns the id names it; any other forwards to its closest preceding finger. Nothing else
 * is consulted — no successor list beyond the first entry — so every forward follows a
 * finger, and the count is the paper's "number of fingers we need to follow" (about half
 * the log2 N leading bits of the distance are ones: ½·log2 N).
 *
 * chordkv itself cannot run this rule: a node keeps at least k + 1 ≥ 2 successors and routes
 * on all of them (node/routing.ts). The fingers walked here are the ones the real
 * fix_fingers built; only the choice of next hop is the paper's. No message is sent.
 */
import { inHalfOpen, inOpen } from '../../common/ring.js';
import type { Member } from '../../common/wire.js';
import type { ChordNode } from '../../node/chord-node.js';

export interface PaperLookup {
  hops: number;
  owner: Member;
}

/** The finger of `node` that most closely precedes `id` (the paper's closest_preceding_node, fingers only). */
function closestPrecedingFinger(node: ChordNode, id: bigint): Member | undefined {
  const fingers = node.routing.fingers;
  for (let i = fingers.length - 1; i >= 0; i--) {
    const finger = fingers[i];
    if (finger && inOpen(finger.id, node.self.id, id)) return finger;
  }
  return undefined;
}

/** The paper's find_successor(id) started at `from`; undefined when a node on the way has no route (it never should on a converged ring). */
export function paperLookup(byAddress: ReadonlyMap<string, ChordNode>, from: ChordNode, id: bigint): PaperLookup | undefined {
  // A node that owns the id answers at once, as chordkv's lookups do (0 forwards).
  if (from.routing.owns(id)) return { hops: 0, owner: from.self };
  let node = from;
  for (let hops = 0; hops <= byAddress.size; hops++) {
    const successor = node.routing.successors[0];
    if (!successor) return undefined;
    if (inHalfOpen(id, node.self.id, successor.id)) return { hops, owner: successor };
    const next = closestPrecedingFinger(node, id);
    const nextNode = next && byAddress.get(next.address);
    if (!nextNode) return undefined;
    node = nextNode;
  }
  return undefined;
}
