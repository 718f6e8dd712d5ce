/**
 * Read-only views of a node and of the ring around it: the documents behind GET /status,
 * /rpc/state, /rpc/items, /overlay and /kv (query "*").
 */
import type { NodeItems } from '../common/client.js';
import { fingerStart, hashId, idToHex } from '../common/ring.js';
import { toPeerJson, type AllAnswer, type OverlayAnswer, type StatusAnswer } from '../common/wire.js';
import type { ChordNode } from './chord-node.js';
import { retryWhileRingChanges } from './retry.js';

/**
 * The node's own view. Key counts scan the whole store, so peers (stabilize, walks) ask
 * without them (`withKeys` false) and get zeros there.
 */
export async function statusOf(node: ChordNode, withKeys = true): Promise<StatusAnswer> {
  const { routing } = node;
  const entries = withKeys ? (await node.store.entries()).filter((e) => e.value !== null) : [];
  const primary = entries.filter((e) => routing.owns(hashId(e.key))).length;
  return {
    id: idToHex(node.self.id),
    address: node.self.address,
    ready: node.state === 'ready',
    member: node.isMember,
    predecessor: routing.predecessor ? toPeerJson(routing.predecessor) : null,
    successors: routing.successors.map(toPeerJson),
    fingers: routing.fingers.flatMap((peer, index) => (peer ? [{ index, start: idToHex(fingerStart(node.self.id, index)), node: toPeerJson(peer) }] : [])),
    k: node.settings.k,
    consistency: node.settings.consistency,
    keys: { primary, replica: entries.length - primary, total: entries.length },
    lastMaintenanceAt: node.lastMaintenanceAt?.toISOString() ?? null,
  };
}

/** Every pair held here (tombstones included) with its role. */
export async function itemsOf(node: ChordNode): Promise<NodeItems> {
  const entries = await node.store.entries();
  return {
    id: idToHex(node.self.id),
    address: node.self.address,
    items: entries.map((e) => ({ ...e, role: node.routing.owns(hashId(e.key)) ? 'primary' as const : 'replica' as const })),
  };
}

/** The ring in order, starting at this node. */
export async function overlayOf(node: ChordNode): Promise<OverlayAnswer> {
  node.assertReady();
  const ring = await retryWhileRingChanges(node.config.retryDeadlineMs, () => node.membership.overlay());
  return { nodes: ring.map(toPeerJson) };
}

/** Every pair in the ring, grouped by node in ring order (query "*"); tombstones left out. */
export async function ringContents(node: ChordNode): Promise<AllAnswer> {
  node.assertReady();
  // A walk that meets a node which just left (a successor list not yet refreshed) is walked again.
  const nodes = await retryWhileRingChanges(node.config.retryDeadlineMs, async () => {
    const ring = await node.membership.overlay();
    return Promise.all(ring.map((peer) => node.peers.items(peer.address)));
  });
  return {
    nodes: nodes.map((n) => ({
      id: n.id,
      address: n.address,
      items: n.items.filter((i) => i.value !== null).map((i) => ({ key: i.key, value: i.value as string, role: i.role })),
    })),
  };
}
