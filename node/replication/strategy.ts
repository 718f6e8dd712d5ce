/**
 * The replication coordinator seam. A strategy owns a write from the moment it reaches the
 * node that coordinates it (the key's owner) until it is acknowledged, and a read from the
 * moment it reaches a node that may answer it: ordering and versioning, the outgoing
 * replication calls, and the incoming calls it registers in the node's RPC table. One
 * implementation per consistency mode, chosen by the ring settings' `mode`.
 */
import type { Logger } from '../../common/log.js';
import type { Consistency, Item, KeyedItem, Member, OpAnswer, PutOptions, RingSettings } from '../../common/wire.js';
import type { RpcHandler, RpcClient } from '../rpc/spec.js';
import type { HintBook } from '../storage/hints.js';
import type { Store } from '../storage/store.js';
import type { VersionPolicy } from '../versions/policy.js';

export interface ReplicationComponents {
  readonly self: Member;
  readonly store: Store;
  readonly rpc: RpcClient;
  readonly versions: VersionPolicy;
  readonly log: Logger;
  /** The wall clock in epoch milliseconds (times to live are judged by it). */
  now(): number;
  /** The nodes after the owner that hold copies, in order (the active chain). */
  chain(): readonly Member[];
  /** The ring-wide settings the strategy was made for (quorum mode reads R, W and sloppy). */
  readonly settings: RingSettings;
  /** Copies kept for nodes that were down (quorum mode's hinted handoff). */
  readonly hints: HintBook;
  /** This node's successors, nearest first. */
  successors(): readonly Member[];
  /** Whether this node holds a read lease from its successor now (see read-lease.ts); absent: never. */
  readLease?(): boolean;
  /** Whether a chain-membership lease in force covers ring id `id` (see chain-lease.ts); absent: never. */
  chainLeaseCovers?(id: bigint): boolean;
  /** Whether this node owns ring id `id` now (it heads that key's chain). */
  owns?(id: bigint): boolean;
  /**
   * Before a write as head: whether this node may still head its range (it holds its
   * successor's lease, asked for if need be; see read-lease.ts). Absent: always.
   */
  mayHead?(): Promise<boolean>;
  /** The same, judged now without asking (right before a write's version is picked). Absent: always. */
  headsNow?(): boolean;
  /**
   * Whether this node, a member in place, heads ring id `id` for certain (behind a predecessor
   * it knows, or alone): a chain write of that key from another node comes from a head it has
   * replaced. Absent: never.
   */
  headsItself?(id: bigint): boolean;
  /**
   * Whether this node dropped its copy of `key` lately, having handed it on to the nodes that
   * hold it now: a head whose chain still names this node must not read "not found" here. Absent: never.
   */
  handedOn?(key: string): boolean;
}

export interface ReplicationCallbacks {
  /** A replica did not take a write: the ring should look at its neighbours soon. */
  onReplicaFailed(): void;
  /** A write this node coordinated is acknowledged (watchers are told). */
  onAcknowledged(item: KeyedItem): void;
}

/** A user write at the node that coordinates it; `hops` is how many forwards it took to get there. */
export type WriteRequest = (
  | ({ op: 'put'; key: string; value: string } & PutOptions)
  /** `expired`: the head's own delete of a pair whose time ran out; a no-op (VERSION_MISMATCH) if it was written again meanwhile. */
  | { op: 'delete'; key: string; expired?: boolean; context?: string }
) & {
  hops: number;
  /** The id the entry node gave the write, kept through its retries (see RecentWrites). */
  id?: string;
};

export interface ReplicationStrategy {
  readonly mode: Consistency;
  /** Incoming calls of this mode, registered in the RPC table while the strategy is in use. */
  readonly handlers: readonly RpcHandler[];
  /**
   * A read met on its way to the key's owner: answered here when the mode lets any copy
   * answer and this node holds a live one, else undefined (route on).
   */
  readOnPath(key: string, hops: number): Promise<OpAnswer | undefined>;
  /** A read this node passed on (it did not own the key, whose ring id is `id`) came back with `answer`. */
  readAnswered?(key: string, id: bigint, answer: OpAnswer): void;
  /**
   * Coordinates a write at the key's owner (which holds its membership lock shared); resolves
   * once acknowledged. `reqId`, here and in `read`: the public request, for the calls made for it.
   */
  write(request: WriteRequest, reqId?: string): Promise<OpAnswer>;
  /** Answers a read that reached the key's owner; throws KeyNotFound. */
  read(key: string, hops: number, reqId?: string): Promise<OpAnswer>;
  /**
   * At the key's owner: its pair as last acknowledged, a tombstone too (a watch's catch-up
   * reports it). Absent: the owner's own copy is what it answers (eventual mode acknowledges a
   * write once the owner has it; quorum mode's owner holds what this replica has merged).
   */
  lastAcknowledged?(key: string): Promise<Item | undefined>;
  /** Writes accepted here and not yet passed on to every replica (for metrics). */
  backlog(): number;
  /** Resolves when nothing accepted is still waiting to be passed on. */
  flush(): Promise<void>;
  /** Hands what this node remembers of the writes to keys in (from, to] to `address`, which takes that range over; absent: nothing to hand. */
  handOver?(address: string, from: bigint, to: bigint): Promise<void>;
  close(): void;
}
