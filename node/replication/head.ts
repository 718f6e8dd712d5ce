/** What every mode does with a write at its coordinator, and with pairs arriving from other nodes. */
import { KeyNotFound } from '../../common/errors.js';
import type { Item, KeyedItem, OpAnswer } from '../../common/wire.js';
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
    item = { key, value: request.op === 'put' ? request.value : null, version: versions.next(current) };
    return item;
  });
  return item;
}

/** The answer to an acknowledged write, ordered by `node`. */
export function writeAnswer(request: WriteRequest, node: string): OpAnswer {
  const { key, hops } = request;
  return request.op === 'delete' ? { key, deleted: true, node, hops } : { key, value: request.value, node, hops };
}

/** The answer to a read that found `item` at `node`; a missing key or a tombstone is KeyNotFound. */
export function readAnswer(key: string, item: Item | null | undefined, node: string, hops: number): OpAnswer {
  if (!item || item.value === null) throw new KeyNotFound(key);
  return { key, value: item.value, node, hops };
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
