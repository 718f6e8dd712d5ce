/** Replication strategies by consistency name. */
import type { Consistency } from '../../common/wire.js';
import { ChainReplication } from './chain.js';
import { EventualReplication } from './eventual.js';
import type { ReplicationContext, ReplicationStrategy } from './strategy.js';

export const strategies: Record<Consistency, (ctx: ReplicationContext) => ReplicationStrategy> = {
  linearizable: (ctx) => new ChainReplication(ctx),
  eventual: (ctx) => new EventualReplication(ctx),
};

export type { ReplicationStrategy, ReplicationContext, ReadResult } from './strategy.js';
