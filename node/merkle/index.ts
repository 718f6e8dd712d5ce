/** Merkle anti-entropy, built from the node's parts: the owner's exchange and the calls a replica answers. */
import type { Logger } from '../../common/log.js';
import type { Member } from '../../common/wire.js';
import { merkleHandlers } from '../rpc/merkle.js';
import type { RpcClient, RpcHandler } from '../rpc/spec.js';
import type { RoutingTable } from '../routing.js';
import type { ChangeCountingStore } from '../storage/change-counting.js';
import type { Store } from '../storage/store.js';
import type { VersionPolicy } from '../versions/policy.js';
import { merkleAnswers } from './answers.js';
import { MerkleExchange } from './exchange.js';
import { RangeTrees } from './trees.js';

export interface MerkleComponents {
  readonly routing: Pick<RoutingTable, 'self' | 'predecessor'>;
  /** The node's store, as every other part writes it. */
  readonly store: Store;
  /** The same store's change count, which tells a cached tree that it is stale. */
  readonly changes: Pick<ChangeCountingStore, 'generation' | 'scan'>;
  readonly rpc: RpcClient;
  readonly versions: VersionPolicy;
  readonly log: Logger;
  chain(): readonly Member[];
}

export function createMerkle(components: MerkleComponents): { exchange: MerkleExchange; handlers: RpcHandler[] } {
  const trees = new RangeTrees(components.changes);
  return {
    exchange: new MerkleExchange({ ...components, trees }),
    handlers: merkleHandlers(merkleAnswers({ store: components.store, trees, versions: components.versions })),
  };
}
