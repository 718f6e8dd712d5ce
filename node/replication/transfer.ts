/** Handing pairs to another node in batches (joins, departs, repairs): the receiver keeps the newer version of each. */
import type { KeyedItem } from '../../common/wire.js';
import { apply } from '../rpc/replication.js';
import type { RpcClient } from '../rpc/spec.js';

/** Pairs per message when a node hands data to another. */
const TRANSFER_BATCH = 2000;

export async function sendItems(rpc: RpcClient, address: string, items: readonly KeyedItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += TRANSFER_BATCH) {
    await rpc.call(apply, address, { items: items.slice(i, i + TRANSFER_BATCH) });
  }
}
