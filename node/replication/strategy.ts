/**
 * The replication seam: how a write that reached its owner (head) is passed to the
 * other holders, and where a read is answered. One implementation per consistency mode,
 * chosen by name.
 */
import type { PeerClient } from '../../common/client.js';
import type { Logger } from '../../common/log.js';
import type { Consistency, Item, KeyedItem, Peer } from '../../common/wire.js';
import type { Store } from '../storage/store.js';

export interface ReplicationContext {
  readonly self: Peer;
  readonly store: Store;
  readonly peers: PeerClient;
  /** The current chain after the head: the next k-1 successors, in order. */
  chain(): Peer[];
  readonly log: Logger;
}

/** Where a read was answered and what it found (`item` undefined or a tombstone: not found). */
export interface ReadResult {
  item: Item | undefined;
  node: string;
  hops: number;
}

export interface ReplicationStrategy {
  readonly name: Consistency;
  /** True when any holder of a copy may answer a read on its path (stale reads allowed). */
  readonly readsFromAnyCopy: boolean;
  /** Called at the head after it applied `item` locally; resolves once the mode counts the write as acknowledged. */
  replicate(item: KeyedItem): Promise<void>;
  /** Answers a read that reached the head, `hops` forwards so far. */
  readAtHead(key: string, hops: number): Promise<ReadResult>;
  /** Resolves when nothing accepted is still waiting to be passed on. */
  flush(): Promise<void>;
  close(): void;
}
