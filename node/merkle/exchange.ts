/**
 * Anti-entropy by Merkle exchange, the owner's side. For each member of its chain, the owner
 * of the range (predecessor, self] compares its tree of the range with the member's tree of
 * the same range, descending only into branches whose hashes differ, then swaps only the
 * differing pairs: its own copies go one way, the member's come back, and each side merges
 * what arrives (mergeItems: kept only where the version policy says it supersedes). Its cost
 * follows the difference, not the data. Bounded per exchange (branches per level, pairs per
 * swap), so a large difference is repaired over several rounds instead of in one burst.
 */
import type { ChordError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { idToHex } from '../../common/ring.js';
import { storedItem, type KeyedItem, type Member } from '../../common/wire.js';
import { mergeItems } from '../replication/head.js';
import { MAX_BRANCHES, merkleChildren, merkleLeaves, merkleSwap } from '../rpc/merkle.js';
import type { RpcClient } from '../rpc/spec.js';
import type { RoutingTable } from '../routing.js';
import type { Store } from '../storage/store.js';
import type { VersionPolicy } from '../versions/policy.js';
import type { RangeTrees } from './trees.js';
import { DEPTH, diffLeaf, differingChildren, type MerkleTree } from './tree.js';

/** Pairs one exchange with one member moves at most (both ways together); the rest wait for the next round. */
export const PAIRS_PER_EXCHANGE = 500;

export interface ExchangeComponents {
  readonly routing: Pick<RoutingTable, 'self' | 'predecessor'>;
  readonly store: Store;
  readonly trees: Pick<RangeTrees, 'tree'>;
  readonly rpc: RpcClient;
  readonly versions: VersionPolicy;
  readonly log: Logger;
  /** The members that hold copies of what this node owns (ReplicaSync's active chain). */
  chain(): readonly Member[];
}

/** What one exchange moved: pairs sent to the member and pairs it sent back. */
export interface ExchangeResult {
  readonly sent: number;
  readonly received: number;
}

export class MerkleExchange {
  constructor(private readonly components: ExchangeComponents, private readonly pairsPerExchange = PAIRS_PER_EXCHANGE) {}

  /** One exchange with every chain member, one after another (a pair pulled from one reaches the next); returns the pairs moved. */
  async run(): Promise<{ moved: number }> {
    const { routing, log } = this.components;
    // Without a predecessor the range is not known yet (or the node is alone): nothing to compare.
    if (!routing.predecessor) return { moved: 0 };
    const to = routing.self.id;
    const from = routing.predecessor.id;
    let moved = 0;
    for (const member of this.components.chain()) {
      try {
        const { sent, received } = await this.exchange(member.address, from, to);
        moved += sent + received;
      } catch (err) {
        log.warn(`merkle exchange with ${member.address}: ${(err as ChordError).code ?? ''} ${(err as Error).message}`, { peer: member.address });
      }
    }
    return { moved };
  }

  /** Compares this node's tree of (from, to] with `address`'s and swaps the pairs that differ. */
  async exchange(address: string, from: bigint, to: bigint): Promise<ExchangeResult> {
    const { trees, rpc, store, versions } = this.components;
    const mine = await trees.tree(from, to);
    const range = { from: idToHex(from), to: idToHex(to) };
    const leaves = await this.differingLeaves(address, range, mine);
    if (leaves.length === 0) return { sent: 0, received: 0 };
    const theirs = (await rpc.call(merkleLeaves, address, { ...range, prefixes: leaves })).leaves;
    const { send, want } = this.plan(leaves.map((prefix, i) => diffLeaf(mine.leaf(prefix), theirs[i] ?? [])));
    const items = await readItems(store, send);
    const answer = await rpc.call(merkleSwap, address, { items, want });
    await mergeItems(store, versions, answer.items);
    return { sent: items.length, received: answer.items.length };
  }

  /** Descends level by level into the branches whose hashes differ; at most MAX_BRANCHES per level. */
  private async differingLeaves(address: string, range: { from: string; to: string }, mine: MerkleTree): Promise<string[]> {
    let branches = [''];
    for (let depth = 0; depth < DEPTH && branches.length > 0; depth++) {
      const { children } = await this.components.rpc.call(merkleChildren, address, { ...range, prefixes: branches });
      branches = branches.flatMap((prefix, i) => differingChildren(prefix, mine.children(prefix), children[i] ?? [])).slice(0, MAX_BRANCHES);
    }
    return branches;
  }

  /**
   * Which keys go which way. A key both hold goes only from the later copy to the earlier one
   * when the version policy can tell them apart, both ways otherwise (concurrent versions, or
   * one version with two contents): each side's merge then decides. Stops at the pair budget.
   */
  private plan(diffs: ReturnType<typeof diffLeaf>[]): { send: string[]; want: string[] } {
    const { versions } = this.components;
    const send: string[] = [];
    const want: string[] = [];
    const full = () => send.length + want.length >= this.pairsPerExchange;
    for (const { onlyMine, onlyTheirs, changed } of diffs) {
      for (const entry of onlyMine) if (!full()) send.push(entry.key);
      for (const entry of onlyTheirs) if (!full()) want.push(entry.key);
      for (const [m, t] of changed) {
        if (full()) break;
        if (!versions.later(t.version, m.version)) send.push(m.key);
        if (!versions.later(m.version, t.version)) want.push(m.key);
      }
    }
    return { send, want };
  }
}

/** The items of `keys` this store holds now (tombstones included), as they travel. */
export async function readItems(store: Pick<Store, 'get'>, keys: readonly string[]): Promise<KeyedItem[]> {
  const held = await Promise.all(keys.map(async (key) => {
    const item = await store.get(key);
    return item ? { key, ...storedItem(item) } : undefined;
  }));
  return held.filter((item) => item !== undefined);
}
