/** Quorum mode's calls, registered by that strategy: a coordinator storing a write at a replica (or a stand-in), and reading one. */
import { isMemberAddress, type Item, type KeyedItem } from '../../common/wire.js';
import { field, isItemList, isString } from './parse.js';
import { defineRpc } from './spec.js';

/**
 * Stores a key's siblings at a replica, merged with what it holds. With `hint`, the receiver
 * is a stand-in for that node (which was down): it keeps the copy in its hint book and hands
 * it to that node once it answers again.
 */
export const quorumStore = defineRpc<{ item: KeyedItem; hint?: string }, { stored: boolean }>({
  method: 'POST',
  path: '/rpc/quorum-store',
  parse: (body) => ({
    item: field<KeyedItem[]>({ items: [(body as { item?: unknown } | undefined)?.item] }, 'items', isItemList)[0],
    ...((body as { hint?: unknown } | undefined)?.hint === undefined ? {} : { hint: field<string>(body, 'hint', isMemberAddress) }),
  }),
});

/** The receiver's siblings of a key: what it holds, merged with copies it keeps for other nodes. */
export const quorumRead = defineRpc<{ key: string }, { item: Item | null }>({
  method: 'POST',
  path: '/rpc/quorum-read',
  parse: (body) => ({ key: field(body, 'key', isString) }),
});
