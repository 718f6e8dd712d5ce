/**
 * Replication calls. `apply`, `items` and `reconcile` serve every mode (hand-offs, repairs,
 * dumps); `chain` and `read` are chain replication's own, registered by that strategy.
 */
import {
  MAX_SCAN_LIMIT, type Item, type KeyedItem, type MemberJson, type NodeItems, type ScanAnswer, type Version, type WatchEvent, type WriteRecord,
} from '../../common/wire.js';
import { field, isAddressList, isAnyVersion, isChainItemList, isHops, isItemList, isMemberJson, isString, isWriteRecordList, noArguments } from './parse.js';
import { defineRpc, handle, type RpcHandler } from './spec.js';

/** Pairs pushed to a node that must hold them; it keeps whichever version is newer. */
export const apply = defineRpc<{ items: KeyedItem[] }, { applied: number }>({
  method: 'POST',
  path: '/rpc/apply',
  parse: (body) => ({ items: field(body, 'items', isItemList) }),
});

/** Everything the receiver holds, tombstones and roles included (`chordkv dump`). */
export const items = defineRpc<void, NodeItems>({ method: 'GET', path: '/rpc/items', parse: () => undefined });

/** Asks the receiver to make its holdings match the ring (push to its chain, hand on, drop). */
export const reconcile = defineRpc<Record<string, never>, { pushed: number; dropped: number }>({
  method: 'POST',
  path: '/rpc/reconcile',
  parse: noArguments,
});

/**
 * Writes passed down a chain: the receiver applies them and passes them to `rest`, in order.
 * A user write carries its write id, which each member keeps (see node/replication/write-ids.ts).
 */
export const chain = defineRpc<{ items: (KeyedItem & { writeId?: string })[]; rest: string[] }, { applied: number }>({
  method: 'POST',
  path: '/rpc/chain',
  parse: (body) => ({ items: field(body, 'items', isChainItemList), rest: field(body, 'rest', isAddressList) }),
});

/** Write records per `/rpc/write-ids` message. */
export const MAX_WRITE_RECORDS_PER_CALL = 2000;

/** Records of applied writes handed over with a range (joins, departs): the receiver keeps those of ids it has none of. */
export const writeIds = defineRpc<{ writes: { id: string; record: WriteRecord }[] }, { adopted: number }>({
  method: 'POST',
  path: '/rpc/write-ids',
  parse: (body) => ({ writes: field(body, 'writes', isWriteRecordList(MAX_WRITE_RECORDS_PER_CALL)) }),
});

/** The receiver's own copy of a key: a chain's head reading at its tail. */
export const read = defineRpc<{ key: string; hops: number }, { item: Item | null; node: string; hops: number }>({
  method: 'POST',
  path: '/rpc/read',
  parse: (body) => ({ key: field(body, 'key', isString), hops: field(body, 'hops', isHops) }),
});

/**
 * Asks the receiver, the sender's successor, for a read lease (see node/replication/read-lease.ts):
 * granted only to its live predecessor, for `leaseMs` from when the sender asked.
 */
export const lease = defineRpc<{ node: MemberJson }, { granted: boolean; leaseMs: number }>({
  method: 'POST',
  path: '/rpc/lease',
  parse: (body) => ({ node: field(body, 'node', isMemberJson) }),
});

/** A head's answer to a chain-lease request. */
export interface ChainLeaseAnswer {
  granted: boolean;
  leaseMs: number;
  /** The head's range is (from, head]; null: the head has no predecessor (it holds everything). */
  from: string | null;
  /** The head's predecessor: the next head back along the ring, which the asker may replicate for too. */
  predecessor: MemberJson | null;
}

/**
 * Asks the receiver, a chain's head, for a chain-membership lease (node/replication/chain-lease.ts):
 * granted only to a member of its active chain, while the head holds its own read lease. The
 * answer names the head's range, (from, head], and its predecessor, the next head to ask.
 */
export const chainLease = defineRpc<{ node: MemberJson }, ChainLeaseAnswer>({
  method: 'POST',
  path: '/rpc/chain-lease',
  parse: (body) => ({ node: field(body, 'node', isMemberJson) }),
});

/** The live pairs the receiver owns whose keys start with `prefix` and sort after `after`: the first `limit`, by key. */
export const scan = defineRpc<{ prefix: string; after?: string; limit: number }, ScanAnswer['items']>({
  method: 'POST',
  path: '/rpc/scan',
  parse: (body) => ({
    prefix: field(body, 'prefix', isString),
    after: field<string | undefined>(body, 'after', (v) => v === undefined || typeof v === 'string'),
    limit: field(body, 'limit', (v) => Number.isInteger(v) && (v as number) > 0 && (v as number) <= MAX_SCAN_LIMIT),
  }),
});

/** A long poll at a key's owner: its changes after `after`, waiting up to `waitMs` (see node/watch.ts). */
export const watch = defineRpc<{ key: string; after?: Version | null; waitMs: number }, { events: WatchEvent[]; version?: Version | null }>({
  method: 'POST',
  path: '/rpc/watch',
  parse: (body) => ({
    key: field(body, 'key', isString),
    after: field<Version | null | undefined>(body, 'after', (v) => v === undefined || v === null || isAnyVersion(v)),
    waitMs: field(body, 'waitMs', (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 60_000),
  }),
  timeoutMs: (request) => request.waitMs + 5000,
});

/**
 * A long poll at any node for a prefix watcher: the changes this node acknowledged as head
 * after feed number `afterSeq` (and not before `sinceMs`) whose keys start with `prefix`.
 */
export const watchPrefix = defineRpc<{ prefix: string; afterSeq: number; sinceMs: number; waitMs: number }, { events: WatchEvent[]; seq: number }>({
  method: 'POST',
  path: '/rpc/watch-prefix',
  parse: (body) => ({
    prefix: field(body, 'prefix', isString),
    afterSeq: field(body, 'afterSeq', (v) => Number.isSafeInteger(v) && (v as number) >= 0),
    sinceMs: field(body, 'sinceMs', (v) => Number.isSafeInteger(v) && (v as number) >= 0),
    waitMs: field(body, 'waitMs', (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 60_000),
  }),
  timeoutMs: (request) => request.waitMs + 5000,
});

export interface ReplicaService {
  apply(items: KeyedItem[]): Promise<number>;
  items(): Promise<NodeItems>;
  reconcile(): Promise<{ pushed: number; dropped: number }>;
  scan(prefix: string, after: string | undefined, limit: number): Promise<ScanAnswer['items']>;
  watch(key: string, after: Version | null | undefined, waitMs: number): Promise<{ events: WatchEvent[]; version?: Version | null }>;
  watchPrefix(prefix: string, afterSeq: number, sinceMs: number, waitMs: number): Promise<{ events: WatchEvent[]; seq: number }>;
}

export const replicaHandlers = (service: ReplicaService): RpcHandler[] => [
  handle(apply, async (request) => ({ applied: await service.apply(request.items) })),
  handle(items, () => service.items()),
  handle(reconcile, () => service.reconcile()),
  handle(scan, (request) => service.scan(request.prefix, request.after, request.limit)),
  handle(watch, (request) => service.watch(request.key, request.after, request.waitMs)),
  handle(watchPrefix, (request) => service.watchPrefix(request.prefix, request.afterSeq, request.sinceMs, request.waitMs)),
];
