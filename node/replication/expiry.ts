/**
 * The head's side of times to live: a pair whose time ran out reads as absent at once (see
 * `isLive`), and the node that owns it replaces it with a tombstone through the ring's
 * replication strategy, like a delete, so every replica drops it too.
 */
import type { ChordError } from '../../common/errors.js';
import type { Logger } from '../../common/log.js';
import { hashId } from '../../common/ring.js';
import type { MembershipLock } from '../membership-lock.js';
import type { RoutingTable } from '../routing.js';
import type { ExpiryIndexedStore } from '../storage/expiry-index.js';
import type { ReplicationStrategy } from './strategy.js';

export interface ExpiryComponents {
  readonly store: ExpiryIndexedStore;
  readonly routing: RoutingTable;
  readonly lock: MembershipLock;
  readonly log: Logger;
  now(): number;
  replication(): ReplicationStrategy;
}

export class ExpirySweeper {
  constructor(private readonly components: ExpiryComponents) {}

  /** Writes a tombstone for every expired pair this node owns; returns how many. */
  async sweep(): Promise<number> {
    const { store, routing, lock, log } = this.components;
    let expired = 0;
    for (const key of await store.due(this.components.now())) {
      if (!routing.owns(hashId(key))) continue; // its owner expires it
      // As for any write it heads: under the membership lock, shared.
      const release = await lock.acquireShared();
      try {
        if (!routing.owns(hashId(key))) continue;
        await this.components.replication().write({ op: 'delete', key, expired: true, hops: 0 });
        expired++;
      } catch (err) {
        // Written again since (VERSION_MISMATCH), or the chain is changing: the next round sees it.
        if ((err as ChordError).code !== 'VERSION_MISMATCH') log.debug(`expiring ${JSON.stringify(key)}: ${(err as Error).message}`, { key, code: (err as ChordError).code });
      } finally {
        release();
      }
    }
    return expired;
  }
}
