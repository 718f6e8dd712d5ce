/**
 * Merkle anti-entropy calls (see node/merkle/): a key range's owner descends the tree of the
 * range with each replica, level by level, then swaps only the pairs that differ. The
 * receiver answers from its own tree of the same range; it needs no state between calls.
 */
import { hexToId } from '../../common/ring.js';
import type { KeyedItem } from '../../common/wire.js';
import { DEPTH, type LeafEntry } from '../merkle/tree.js';
import { field, isHexId, isItemList } from './parse.js';
import { defineRpc, handle, type RpcHandler } from './spec.js';

/** Branches one call may ask about, and pairs one swap may carry (MerkleExchange keeps below both). */
export const MAX_BRANCHES = 256;
export const MAX_SWAP_PAIRS = 1000;

/** A key range (from, to] as ids travel: hex. */
export interface RangeRequest {
  from: string;
  to: string;
}

/** The 16 child hashes of each branch named (hex prefixes shorter than the tree's depth), in order. */
export const merkleChildren = defineRpc<RangeRequest & { prefixes: string[] }, { children: string[][] }>({
  method: 'POST',
  path: '/rpc/merkle-children',
  parse: (body) => ({ ...range(body), prefixes: field(body, 'prefixes', prefixList((p) => p.length < DEPTH)) }),
});

/** The pairs (key, item digest, version) of each leaf bucket named, sorted by key. */
export const merkleLeaves = defineRpc<RangeRequest & { prefixes: string[] }, { leaves: LeafEntry[][] }>({
  method: 'POST',
  path: '/rpc/merkle-leaves',
  parse: (body) => ({ ...range(body), prefixes: field(body, 'prefixes', prefixList((p) => p.length === DEPTH)) }),
});

/** The differing pairs: the receiver merges `items` (each kept only where it supersedes), then answers its own items of the keys in `want`. */
export const merkleSwap = defineRpc<{ items: KeyedItem[]; want: string[] }, { items: KeyedItem[] }>({
  method: 'POST',
  path: '/rpc/merkle-swap',
  parse: (body) => ({
    items: field(body, 'items', (v) => isItemList(v) && v.length <= MAX_SWAP_PAIRS),
    want: field(body, 'want', (v) => Array.isArray(v) && v.length <= MAX_SWAP_PAIRS && v.every((key) => typeof key === 'string' && key.length > 0)),
  }),
});

const range = (body: unknown): RangeRequest => ({ from: field(body, 'from', isHexId), to: field(body, 'to', isHexId) });

/** Distinct lowercase hex prefixes, at most MAX_BRANCHES, each accepted by `length`. */
const prefixList = (length: (prefix: string) => boolean) => (v: unknown): boolean =>
  Array.isArray(v) && v.length <= MAX_BRANCHES && new Set(v).size === v.length
  && v.every((p) => typeof p === 'string' && /^[0-9a-f]*$/.test(p) && length(p));

export interface MerkleService {
  children(from: bigint, to: bigint, prefixes: string[]): Promise<string[][]>;
  leaves(from: bigint, to: bigint, prefixes: string[]): Promise<LeafEntry[][]>;
  swap(items: KeyedItem[], want: string[]): Promise<KeyedItem[]>;
}

export const merkleHandlers = (service: MerkleService): RpcHandler[] => [
  handle(merkleChildren, async ({ from, to, prefixes }) => ({ children: await service.children(hexToId(from), hexToId(to), prefixes) })),
  handle(merkleLeaves, async ({ from, to, prefixes }) => ({ leaves: await service.leaves(hexToId(from), hexToId(to), prefixes) })),
  handle(merkleSwap, async ({ items, want }) => ({ items: await service.swap(items, want) })),
];
