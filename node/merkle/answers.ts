/** The receiving side of a Merkle exchange: a replica answers from its own tree of the range it is asked about. */
import { mergeItems } from '../replication/head.js';
import type { MerkleService } from '../rpc/merkle.js';
import type { Store } from '../storage/store.js';
import type { VersionPolicy } from '../versions/policy.js';
import { itemDigest } from './digest.js';
import { readItems } from './exchange.js';
import type { RangeTrees } from './trees.js';

export interface AnswerComponents {
  readonly store: Store;
  readonly trees: Pick<RangeTrees, 'tree'>;
  readonly versions: VersionPolicy;
}

export function merkleAnswers({ store, trees, versions }: AnswerComponents): MerkleService {
  return {
    children: async (from, to, prefixes) => {
      const tree = await trees.tree(from, to);
      return prefixes.map((prefix) => tree.children(prefix));
    },
    leaves: async (from, to, prefixes) => {
      const tree = await trees.tree(from, to);
      return prefixes.map((prefix) => tree.leaf(prefix));
    },
    // Merge first: a wanted pair that now equals the copy the owner sent need not travel back.
    swap: async (items, want) => {
      await mergeItems(store, versions, items);
      const sent = new Map(items.map((item) => [item.key, itemDigest(item)]));
      return (await readItems(store, want)).filter((item) => sent.get(item.key) !== itemDigest(item));
    },
  };
}
