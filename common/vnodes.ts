/**
 * Virtual nodes, as pure ring arithmetic: the ring ids a process holds, how many it holds,
 * and what a ring of many ids per process means for ownership and replica sets. Nothing
 * here does I/O; the running node does not use it yet (issue 10).
 */
import { distance, hashId, ID_BITS, ringSize } from './ring.js';
import { RPC_PREFIX } from './wire.js';

/** One ring id labelled with the process that holds it (the shape of a wire `Member`). */
export interface VirtualNode {
  readonly id: bigint;
  readonly address: string;
}

/**
 * The most ring ids one process may hold. Each id costs a finger table, a successor list
 * and its share of every maintenance round, so a typo such as `--weight 100` is refused
 * rather than turned into thousands of routing tables.
 */
export const MAX_VNODES = 1024;

/**
 * What is wrong with a ring-wide `--vnodes` and a per-process `--weight` (nothing: empty).
 * The process holds V × W ids, rounded to the nearest whole number (halves up); a product
 * that rounds to 0 is refused rather than raised to 1, which would give the process up to
 * twice the weight it asked for.
 */
export function vnodeProblems(vnodes: number, weight: number): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(vnodes) || vnodes < 1 || vnodes > MAX_VNODES) {
    problems.push(`vnodes must be a whole number from 1 to ${MAX_VNODES} (got ${vnodes})`);
  }
  if (!Number.isFinite(weight) || weight <= 0) problems.push(`weight must be a positive number (got ${weight})`);
  if (problems.length > 0) return problems;
  const count = roundedProduct(vnodes, weight);
  if (count < 1) problems.push(`vnodes ${vnodes} × weight ${weight} gives ${vnodes * weight} ids, under 1: weight must be at least ${1 / vnodes} (the product is rounded)`);
  if (count > MAX_VNODES) problems.push(`vnodes ${vnodes} × weight ${weight} gives ${count} ids, over the ${MAX_VNODES} one process may hold`);
  return problems;
}

/** The number of ring ids a process holds: V × W rounded, halves up. Throws a RangeError naming every problem. */
export function vnodeCount(vnodes: number, weight = 1): number {
  const problems = vnodeProblems(vnodes, weight);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return roundedProduct(vnodes, weight);
}

// The epsilon turns products such as 50 × 0.29 = 14.499999999999998 back into the half they mean.
const roundedProduct = (vnodes: number, weight: number) => Math.round(vnodes * weight + 1e-9);

/**
 * The ring ids of the process at `address` holding `count` of them: SHA-1 of
 * `"host:port#i"` for i = 0…count-1. One id alone is SHA-1 of `"host:port"`, today's id, so
 * a ring with V = 1 keeps every id it has now. With several ids, i = 0 is `"host:port#0"`
 * like the others: no id of a multi-id process is special, and code that still computes
 * `hashId(address)` finds an id that is on no ring at all (and fails in placement tests)
 * instead of one id of many (and fails only for the keys the others own).
 */
export function ringIdsOf(address: string, count: number): bigint[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`a process holds at least one ring id (got ${count})`);
  if (count === 1) return [hashId(address)];
  return Array.from({ length: count }, (_, i) => hashId(`${address}#${i}`));
}

/** Every ring id of every process, labelled; `count` says how many each holds. */
export function virtualNodes(addresses: readonly string[], count: number | ((address: string) => number)): VirtualNode[] {
  return addresses.flatMap((address) =>
    ringIdsOf(address, typeof count === 'number' ? count : count(address)).map((id) => ({ id, address })));
}

/**
 * A ring of virtual nodes in id order, for the questions asked of many keys at once:
 * owners found by binary search instead of a scan. Immutable.
 */
export class VirtualRing<T extends VirtualNode = VirtualNode> {
  /** The ring ids in ascending order (equal ids, which SHA-1 never gives, by address). */
  readonly ids: readonly T[];
  /** The distinct processes, in the order their first id appears on the ring. */
  readonly processes: readonly string[];

  constructor(nodes: readonly T[], readonly bits = ID_BITS) {
    if (nodes.length === 0) throw new RangeError('a ring needs at least one id');
    this.ids = [...nodes].sort((a, b) => (a.id !== b.id ? (a.id < b.id ? -1 : 1) : a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    this.processes = [...new Set(this.ids.map((n) => n.address))];
  }

  /** Index in `ids` of the owner of `id`: the first ring id at or after it, wrapping to the smallest. */
  ownerIndex(id: bigint): number {
    let low = 0;
    let high = this.ids.length; // the answer is in [low, high]; high = length means "wrap to 0"
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.ids[mid].id < id) low = mid + 1;
      else high = mid;
    }
    return low === this.ids.length ? 0 : low;
  }

  /** The ring id that owns `id`. */
  owner(id: bigint): T {
    return this.ids[this.ownerIndex(id)];
  }

  /**
   * The replica set of `id` over processes: the owner's ring id, then walking clockwise the
   * next ring ids whose process is not in the set yet, until k processes (all of them when k
   * exceeds their number). Each entry is the first id of its process met on the walk.
   */
  replicaSet(id: bigint, k: number): T[] {
    const want = Math.min(k, this.processes.length);
    const set: T[] = [];
    const taken = new Set<string>();
    const start = this.ownerIndex(id);
    for (let step = 0; set.length < want; step++) {
      const node = this.ids[(start + step) % this.ids.length];
      if (taken.has(node.address)) continue; // another id of a process that already holds a copy
      taken.add(node.address);
      set.push(node);
    }
    return set;
  }

  /** The processes of `id`'s replica set, owner first. */
  holders(id: bigint, k: number): string[] {
    return this.replicaSet(id, k).map((n) => n.address);
  }

  /**
   * The fraction of the id circle each process owns: the arcs (predecessor id, id] of all its
   * ids, summed. Every process of the ring is in the map; the fractions add up to 1.
   */
  shares(): Map<string, number> {
    const size = ringSize(this.bits);
    const arcs = new Map<string, bigint>(this.processes.map((p) => [p, 0n]));
    this.ids.forEach((node, i) => {
      const predecessor = this.ids[(i - 1 + this.ids.length) % this.ids.length];
      // A lone id's predecessor is itself, and its arc the whole circle rather than nothing.
      const arc = this.ids.length === 1 ? size : distance(predecessor.id, node.id, this.bits);
      arcs.set(node.address, arcs.get(node.address)! + arc);
    });
    const SCALE = 1n << 52n;
    return new Map([...arcs].map(([p, arc]) => [p, Number((arc * SCALE) / size) / Number(SCALE)]));
  }

  /** How many of `keyIds` each process owns; every process of the ring is in the map, 0 when it owns none. */
  keysPerProcess(keyIds: Iterable<bigint>): Map<string, number> {
    const counts = new Map<string, number>(this.processes.map((p) => [p, 0]));
    for (const id of keyIds) {
      const owner = this.owner(id).address;
      counts.set(owner, counts.get(owner)! + 1);
    }
    return counts;
  }
}

/**
 * The member address of ring id `index` of the process at `process` holding `count` ids:
 * the process's own HOST:PORT when it holds one (today's address), else `HOST:PORT#index`.
 * Its SHA-1 is that id (`ringIdsOf`), so a member's id always follows from its address.
 */
export function vnodeAddress(process: string, index: number, count: number): string {
  return count === 1 ? process : `${process}#${index}`;
}

const VNODE_SUFFIX = /#(\d{1,4})$/;

/** The HOST:PORT of the process behind a member address (the address itself when it names a process). */
export function processOf(address: string): string {
  const match = VNODE_SUFFIX.exec(address);
  return match ? address.slice(0, match.index) : address;
}

/** Which of its process's ring ids a member address names; undefined for a process's own address. */
export function vnodeIndexOf(address: string): number | undefined {
  const match = VNODE_SUFFIX.exec(address);
  return match ? Number(match[1]) : undefined;
}

export const sameProcess = (a: string, b: string): boolean => processOf(a) === processOf(b);

/**
 * The members after `self` that hold copies of what it owns, in order: walking `successors`
 * (nearest first), each process is taken once, at its first id, and `self`'s own process
 * never. With one id per process this is the successor list itself.
 */
export function distinctProcesses<T extends { address: string }>(self: string, successors: readonly T[]): T[] {
  const taken = new Set([processOf(self)]);
  const found: T[] = [];
  for (const member of successors) {
    const process = processOf(member.address);
    if (taken.has(process)) continue;
    taken.add(process);
    found.push(member);
  }
  return found;
}

/**
 * Whether `self` is in the replica set of the range owned by `predecessors[j]` (nearest
 * first; j = -1 is `self`'s own range, always held): the set walks clockwise from that owner
 * taking k processes, each at its first id, so `self` is in it when neither the owner nor
 * anyone between them is `self`'s process, and fewer than k - 1 other processes come first.
 */
export function holdsRangeOf(self: string, predecessors: readonly { address: string }[], j: number, k: number): boolean {
  if (j < 0) return true;
  const own = processOf(self);
  const owner = processOf(predecessors[j].address);
  if (owner === own) return false;
  const between = new Set<string>();
  for (let i = 0; i < j; i++) {
    const process = processOf(predecessors[i].address);
    if (process === own) return false; // an id of our process comes first: that id holds the copy
    if (process !== owner) between.add(process);
  }
  return between.size < k - 1;
}

/**
 * How many of `predecessors` (nearest first) own ranges `self` holds copies of: the held
 * ranges are those of predecessors[0 … n-1] and its own, i.e. (predecessors[n], self].
 * `n === predecessors.length` means every range the walk saw is held (the walk may need to
 * go further, or the ring is that small). With one id per process n = min(k - 1, length).
 */
export function heldRanges(self: string, predecessors: readonly { address: string }[], k: number): number {
  let n = 0;
  while (n < predecessors.length && holdsRangeOf(self, predecessors, n, k)) n++;
  return n;
}

const VNODE_RPC = /^\/rpc\/vnode\/(\d{1,4})\/([^/]+)$/;

/** The path of node-to-node call `path` (`/rpc/<call>`) addressed to ring id `index` of a process: `/rpc/vnode/<index>/<call>`. */
export function vnodeRpcPath(path: string, index: number): string {
  return `${RPC_PREFIX}vnode/${index}/${path.slice(RPC_PREFIX.length)}`;
}

/** Which ring id a call's path addresses (undefined: the process's first) and the call's own path. */
export function parseVnodeRpcPath(path: string): { index?: number; path: string } {
  const match = VNODE_RPC.exec(path);
  return match ? { index: Number(match[1]), path: RPC_PREFIX + match[2] } : { path };
}

/** The longest prefix of `members` whose ids belong to at most `n` distinct processes. */
export function throughProcesses<T extends { address: string }>(members: readonly T[], n: number): T[] {
  const seen = new Set<string>();
  const prefix: T[] = [];
  for (const member of members) {
    seen.add(processOf(member.address));
    if (seen.size > n) break;
    prefix.push(member);
  }
  return prefix;
}
