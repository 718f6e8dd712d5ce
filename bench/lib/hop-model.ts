/**
 * Routing hops on a ring of virtual nodes, modelled rather than measured: every ring id's
 * converged fingers and successor list are computed from the whole ring (what maintenance
 * converges to), and lookups are walked with chordkv's rule (`RoutingTable.nextHop`: the
 * owner when the successor list shows it, else the closest preceding id known). No node runs.
 * The routing view, which a running node also uses for a request's first hop, is left out.
 */
import { distance, fingerStart, ID_BITS, inHalfOpen, inOpen } from '../../common/ring.js';
import type { VirtualRing } from '../../common/vnodes.js';

export interface HopModel {
  /** Mean forwards from ring id to ring id when each id routes on its own tables. */
  idForwards: number;
  /** The same walks, counting only forwards that cross to another process (a network hop). */
  processForwards: number;
  /** Mean forwards when a process routes on the union of its ids' tables (one step per process). */
  unionForwards: number;
}

/** What one ring id knows, as indices into ring.ids: its successor list, and every id it knows (successors and fingers). */
interface RoutingView {
  successors: number[];
  known: number[];
}

function tablesOf(ring: VirtualRing, successorListSize: number): RoutingView[] {
  const n = ring.ids.length;
  return ring.ids.map((self, i) => {
    const successors = Array.from({ length: Math.min(successorListSize, n - 1) }, (_, s) => (i + 1 + s) % n);
    const fingers = Array.from({ length: ID_BITS }, (_, f) => ring.ownerIndex(fingerStart(self.id, f)));
    return { successors, known: [...new Set([...successors, ...fingers])].filter((j) => j !== i) };
  });
}

/** chordkv's nextHop from ring id `at` towards `key`. */
function nextHop(ring: VirtualRing, table: RoutingView, at: number, key: bigint): number {
  let previous = at;
  for (const s of table.successors) {
    if (inHalfOpen(key, ring.ids[previous].id, ring.ids[s].id)) return s;
    previous = s;
  }
  let best = table.successors[0] ?? at;
  let bestDistance = -1n;
  for (const j of table.known) {
    if (!inOpen(ring.ids[j].id, ring.ids[at].id, key)) continue;
    const d = distance(ring.ids[at].id, ring.ids[j].id);
    if (d > bestDistance) [best, bestDistance] = [j, d];
  }
  return best;
}

/**
 * Walks `lookups` lookups for keys `keyIds`, lookup i starting at process i mod P (and, for
 * the per-id walk, at one of its ids chosen by i), over the converged tables of `ring`.
 */
export function modelHops(ring: VirtualRing, keyIds: readonly bigint[], successorListSize: number): HopModel {
  const tables = tablesOf(ring, successorListSize);
  const idsOf = new Map<string, number[]>(ring.processes.map((p) => [p, []]));
  ring.ids.forEach((node, i) => idsOf.get(node.address)!.push(i));
  let idForwards = 0;
  let processForwards = 0;
  let unionForwards = 0;
  keyIds.forEach((key, i) => {
    const start = ring.processes[i % ring.processes.length];
    const owner = ring.ownerIndex(key);
    const own = idsOf.get(start)!;
    for (let at = own[Math.floor(i / ring.processes.length) % own.length]; at !== owner;) {
      const next = nextHop(ring, tables[at], at, key);
      idForwards++;
      if (ring.ids[next].address !== ring.ids[at].address) processForwards++;
      at = next;
    }
    let process = start;
    while (process !== ring.ids[owner].address) {
      process = ring.ids[unionNextHop(ring, tables, idsOf.get(process)!, key)].address;
      unionForwards++;
    }
  });
  const mean = (total: number) => total / keyIds.length;
  return { idForwards: mean(idForwards), processForwards: mean(processForwards), unionForwards: mean(unionForwards) };
}

/**
 * A process choosing among everything its ids know: the owner when any of its successor lists
 * shows it, else the known id of another process that most closely precedes `key`.
 */
function unionNextHop(ring: VirtualRing, tables: readonly RoutingView[], own: readonly number[], key: bigint): number {
  const owner = ring.ownerIndex(key);
  let best = -1;
  let bestDistance = 0n;
  for (const at of own) {
    const hop = nextHop(ring, tables[at], at, key);
    if (hop === owner) return hop;
    // Each id's hop precedes the key; the one nearest to it is the closest preceding id of the union.
    const d = distance(ring.ids[hop].id, key);
    if (ring.ids[hop].address !== ring.ids[at].address && (best < 0 || d < bestDistance)) [best, bestDistance] = [hop, d];
  }
  // The process's id nearest before the key always has another process's id after it, so best is set.
  return best;
}
