/** What every mode does with a write at its coordinator, and with pairs arriving from other nodes. */
import { ChordError, KeyNotFound, VersionMismatch } from '../../common/errors.js';
import { isLive, showVersion, storedItem, type Item, type KeyedItem, type OpAnswer, type PutConditions } from '../../common/wire.js';
import type { Store } from '../storage/store.js';
import type { VersionPolicy } from '../versions/policy.js';
import type { WriteRequest } from './strategy.js';

export interface ApplyOptions {
  /** A delete of a missing key writes a tombstone all the same. */
  evenIfAbsent?: boolean;
  /** Runs in the store's update right before the version is picked; throwing there leaves the store unchanged. */
  beforeVersion?: () => void;
}

/**
 * Orders and applies a write locally: the store's atomic update orders writes to one key,
 * and replicas apply the versions in that order. A delete of a missing (or expired) key
 * throws KeyNotFound (unless `evenIfAbsent`: a tombstone is written all the same); the head's own delete of an expired pair does nothing (VERSION_MISMATCH)
 * when the pair was written again meanwhile.
 */
export async function applyAtHead(store: Store, versions: VersionPolicy, request: WriteRequest, nowMs: number, options: ApplyOptions = {}): Promise<KeyedItem> {
  const { key } = request;
  if (request.context !== undefined) throw new ChordError('INVALID_CONTEXT', 'contexts are quorum rings\' (a read there answers one); this ring orders writes by itself: leave context out');
  let item!: KeyedItem;
  await store.update(key, (current) => {
    if (request.op === 'delete' && request.expired) {
      if (!current || current.value === null || isLive(current, nowMs)) throw new VersionMismatch(key, current?.version ?? null, 'expired');
    } else if (request.op === 'delete' && !isLive(current, nowMs) && !options.evenIfAbsent) {
      throw new KeyNotFound(key);
    }
    if (request.op === 'put') checkConditions(versions, request, current, nowMs);
    options.beforeVersion?.();
    item = request.op === 'put'
      ? { key, value: request.value, version: versions.next(current), ...(request.ttlMs ? { expiresAt: nowMs + request.ttlMs } : {}) }
      : { key, value: null, version: versions.next(current) };
    return item;
  });
  return item;
}

/** Throws VersionMismatch unless the key's live version is what a compare-and-set expects (an expired pair is absent). */
function checkConditions(versions: VersionPolicy, request: PutConditions & { key: string }, current: Item | undefined, nowMs: number): void {
  const live = isLive(current, nowMs) ? current.version : null;
  if (request.ifAbsent && live !== null) throw new VersionMismatch(request.key, live, 'absent');
  if (request.ifVersion !== undefined && (live === null || !versions.same(live, request.ifVersion))) {
    throw new VersionMismatch(request.key, live, `version ${showVersion(request.ifVersion)}`);
  }
}

/** Whether a write carries compare-and-set conditions. */
export const isConditional = (request: { op: string } & PutConditions): boolean =>
  request.op === 'put' && (request.ifVersion !== undefined || request.ifAbsent === true);

/** The answer to an acknowledged write of `item`, ordered by `node`. */
export function writeAnswer(request: WriteRequest, item: KeyedItem, node: string): OpAnswer {
  const { key, hops } = request;
  if (request.op === 'delete') return { key, deleted: true, node, hops };
  return { key, value: request.value, version: item.version, ...expiry(item), node, hops };
}

/** The answer to a read that found `item` at `node`; a missing key, a tombstone or an expired pair is KeyNotFound. */
export function readAnswer(key: string, item: Item | null | undefined, node: string, hops: number, nowMs: number): OpAnswer {
  if (!isLive(item, nowMs)) throw new KeyNotFound(key);
  return { key, value: item.value, version: item.version, ...expiry(item), node, hops };
}

const expiry = (item: Item) => (item.expiresAt === undefined ? {} : { expiresAt: item.expiresAt });

/** Pairs merged at once (bounded: a transfer brings up to 2,000). */
const MERGE_AT_ONCE = 256;

/** Merges pairs into `store` as the version policy merges them (the newer wins; concurrent ones become siblings); returns how many changed it. */
export async function mergeItems(store: Store, versions: VersionPolicy, items: readonly KeyedItem[]): Promise<number> {
  // Many at a time: a store that commits in groups (LevelStore) then writes those that are
  // ready together, with one fsync under --fsync rather than one per pair. Two versions of
  // one key still apply one after the other (the store orders updates per key), and merging
  // is order-independent, so the outcome is the same as one by one. A pair whose version is
  // another mode's (a data dir from a ring in another mode) cannot be merged: it is skipped.
  let applied = 0;
  for (let i = 0; i < items.length; i += MERGE_AT_ONCE) {
    const results = await Promise.allSettled(items.slice(i, i + MERGE_AT_ONCE).map(({ key, value, version, expiresAt }) => {
      if (!versions.isVersion(version)) return Promise.resolve(false);
      const incoming = storedItem({ value, version, expiresAt });
      return store.update(key, (current) => versions.merge(incoming, current));
    }));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    applied += results.filter((r) => r.status === 'fulfilled' && r.value).length;
  }
  return applied;
}
