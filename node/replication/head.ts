/** What every mode does with a write at its coordinator, and with pairs arriving from other nodes. */
import { KeyNotFound, VersionMismatch } from '../../common/errors.js';
import type { Item, KeyedItem, OpAnswer, PutConditions } from '../../common/wire.js';
import type { Store } from '../storage/store.js';
import type { VersionPolicy } from '../versions/policy.js';
import type { WriteRequest } from './strategy.js';

/**
 * Orders and applies a write locally: the store's atomic update orders writes to one key,
 * and replicas apply the versions in that order. A delete of a missing key throws KeyNotFound.
 */
export async function applyAtHead(store: Store, versions: VersionPolicy, request: WriteRequest): Promise<KeyedItem> {
  const { key } = request;
  let item!: KeyedItem;
  await store.update(key, (current) => {
    if (request.op === 'delete' && (!current || current.value === null)) throw new KeyNotFound(key);
    if (request.op === 'put') checkConditions(versions, request, current);
    item = { key, value: request.op === 'put' ? request.value : null, version: versions.next(current) };
    return item;
  });
  return item;
}

/** Throws VersionMismatch unless the key's live version is what a compare-and-set expects. */
function checkConditions(versions: VersionPolicy, request: PutConditions & { key: string }, current: Item | undefined): void {
  const live = current && current.value !== null ? current.version : null;
  if (request.ifAbsent && live !== null) throw new VersionMismatch(request.key, live, 'absent');
  if (request.ifVersion !== undefined && (live === null || !versions.same(live, request.ifVersion))) {
    throw new VersionMismatch(request.key, live, `version ${request.ifVersion}`);
  }
}

/** Whether a write carries compare-and-set conditions. */
export const isConditional = (request: WriteRequest): boolean =>
  request.op === 'put' && (request.ifVersion !== undefined || request.ifAbsent === true);

/** The answer to an acknowledged write of `item`, ordered by `node`. */
export function writeAnswer(request: WriteRequest, item: KeyedItem, node: string): OpAnswer {
  const { key, hops } = request;
  return request.op === 'delete' ? { key, deleted: true, node, hops } : { key, value: request.value, version: item.version, node, hops };
}

/** The answer to a read that found `item` at `node`; a missing key or a tombstone is KeyNotFound. */
export function readAnswer(key: string, item: Item | null | undefined, node: string, hops: number): OpAnswer {
  if (!item || item.value === null) throw new KeyNotFound(key);
  return { key, value: item.value, version: item.version, node, hops };
}

/** Merges pairs into `store`, each only where it supersedes what is held; returns how many it applied. */
export async function mergeItems(store: Store, versions: VersionPolicy, items: readonly KeyedItem[]): Promise<number> {
  let applied = 0;
  for (const { key, value, version } of items) {
    const incoming: Item = { value, version };
    if (await store.update(key, (current) => (versions.supersedes(incoming, current) ? incoming : undefined))) applied++;
  }
  return applied;
}
