/** Merkle anti-entropy, built from the node's parts: the owner's exchange and the calls a replica answers. */
import type { Logger } from '../../common/log.js';
import type { Member } from '../../common/wire.js';
import { merkleHandlers } from '../rpc/merkle.js';
import type { RpcClient, RpcHandler } from '../rpc/spec.js';
import type { RoutingTable } from '../routing.js';
import type { NotifyingStore } from '../storage/notifying-store.js';
import type { Store } from '../storage/store.js';
import type { VersionPolicy } from '../versions/policy.js';
import { merkleAnswers } from './answers.js';
import { MerkleExchange } from './exchange.js';
import { RangeTrees } from './trees.js';

export interface MerkleComponents {
  readonly routing: Pick<RoutingTable, 'self' | 'predecessor'>;
  /** The node's store, as every other part writes it. */
  readonly store: Store;
  /** The same store, wrapped where every write passes, telling the cached trees which keys changed. */
  readonly changes: Pick<NotifyingStore, 'onChange' | 'get' | 'scan'>;
  readonly rpc: RpcClient;
  readonly versions: VersionPolicy;
  readonly log: Logger;
  chain(): readonly Member[];
}

/** `pairsPerExchange`: the budget of one exchange with one member (default PAIRS_PER_EXCHANGE). */
export function createMerkle(components: MerkleComponents, pairsPerExchange?: number): { exchange: MerkleExchange; handlers: RpcHandler[] } {
  const trees = new RangeTrees(components.changes);
  return {
    exchange: new MerkleExchange({ ...components, trees }, pairsPerExchange),
    handlers: merkleHandlers(merkleAnswers({ store: components.store, trees, versions: components.versions })),
  };
}
