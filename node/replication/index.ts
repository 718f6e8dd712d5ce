/** Replication strategies by consistency mode. */
import type { Consistency } from '../../common/wire.js';
import { ChainReplication } from './chain.js';
import { EventualReplication } from './eventual.js';
import { QuorumReplication } from './quorum.js';
import type { ReplicationCallbacks, ReplicationComponents, ReplicationStrategy } from './strategy.js';

export const strategies: Record<Consistency, (components: ReplicationComponents, callbacks: ReplicationCallbacks) => ReplicationStrategy> = {
  linearizable: (components, callbacks) => new ChainReplication(components, callbacks),
  eventual: (components, callbacks) => new EventualReplication(components, callbacks),
  quorum: (components, callbacks) => {
    const { settings } = components;
    if (settings.mode !== 'quorum') throw new Error(`a quorum strategy made for a ${settings.mode} ring`);
    return new QuorumReplication({ ...components, settings }, callbacks);
  },
};

export type { ReplicationCallbacks, ReplicationComponents, ReplicationStrategy, WriteRequest } from './strategy.js';
