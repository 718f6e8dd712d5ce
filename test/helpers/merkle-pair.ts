/**
 * Two holders of one key range side by side in one process: an owner that runs a Merkle
 * exchange (or the old full push, `/rpc/apply`) against a replica's handler table, over a
 * transport that copies every message through JSON (as a wire would) and counts what
 * travels. Tests and bench/merkle.ts use it.
 */
import { createLogger } from '../../common/log.js';
import { hashId, inHalfOpen } from '../../common/ring.js';
import type { Method, Transport } from '../../common/transport.js';
import type { Item, KeyedItem } from '../../common/wire.js';
import { createMerkle } from '../../node/merkle/index.js';
import { mergeItems } from '../../node/replication/head.js';
import { sendItems } from '../../node/replication/transfer.js';
import { merkleSwap } from '../../node/rpc/merkle.js';
import { apply } from '../../node/rpc/replication.js';
import { RpcServer } from '../../node/rpc/server.js';
import { handle, RpcClient } from '../../node/rpc/spec.js';
import { NotifyingStore } from '../../node/storage/notifying-store.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { counterVersions } from '../../node/versions/counter.js';

/** What travelled between the two: calls by path, bytes of JSON both ways, and the pairs each swap carried each way. */
export class Wire {
  readonly calls = new Map<string, number>();
  bytes = 0;
  readonly sent: KeyedItem[] = [];
  readonly received: KeyedItem[] = [];

  reset(): void {
    this.calls.clear();
    this.bytes = 0;
    this.sent.length = 0;
    this.received.length = 0;
  }

  /** Pairs moved, both ways. */
  get moved(): number {
    return this.sent.length + this.received.length;
  }
}

/** The range both hold: a quarter of the ring, as the owner's range in a ring of four. */
export const RANGE = { from: 1n << 157n, to: 3n << 157n } as const;

/** `count` keys whose ids lie in RANGE (the same keys every time). */
export function keysInRange(count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `key-${i}`;
    if (inHalfOpen(hashId(key), RANGE.from, RANGE.to)) keys.push(key);
  }
  return keys;
}

export function merklePair(pairsPerExchange?: number) {
  const owner = new NotifyingStore(new MemoryStore());
  const replica = new NotifyingStore(new MemoryStore());
  const log = createLogger('test', 'silent');
  const replicaAddress = 'replica:1';
  const server = new RpcServer();
  server.register(createMerkle({ routing: member(RANGE.from, RANGE.to), store: replica, changes: replica, rpc: unused(), versions: counterVersions, log, chain: () => [] }).handlers);
  server.register([handle(apply, async ({ items }) => ({ applied: await mergeItems(replica, counterVersions, items) }))]);
  const wire = new Wire();
  const transport: Transport = {
    call: async <T>(_address: string, method: Method, path: string, body?: unknown): Promise<T> => {
      const request = JSON.stringify(body ?? {});
      const answer = JSON.stringify(await server.dispatch(method, path, JSON.parse(request)));
      wire.bytes += Buffer.byteLength(request) + Buffer.byteLength(answer);
      wire.calls.set(path, (wire.calls.get(path) ?? 0) + 1);
      const parsed = JSON.parse(answer) as T;
      if (path === merkleSwap.path || path === apply.path) wire.sent.push(...(body as { items: KeyedItem[] }).items);
      if (path === merkleSwap.path) wire.received.push(...(parsed as { items: KeyedItem[] }).items);
      return parsed;
    },
    close: () => undefined,
  };
  const rpc = new RpcClient(transport);
  const { exchange } = createMerkle({
    routing: member(RANGE.from, RANGE.to), store: owner, changes: owner, rpc, versions: counterVersions, log,
    chain: () => [{ id: RANGE.to + 1n, address: replicaAddress }],
  }, pairsPerExchange);
  return {
    owner, replica, wire,
    exchange: () => exchange.exchange(replicaAddress, RANGE.from, RANGE.to),
    /** What the periodic anti-entropy did before: every pair of the range pushed to the replica. */
    fullPush: async () => sendItems(rpc, replicaAddress, await owner.scan(RANGE.from, RANGE.to)),
  };
}

/** Writes `item` under `key` in both stores. */
export async function putBoth(stores: NotifyingStore[], key: string, item: Item): Promise<void> {
  for (const store of stores) await store.update(key, () => item);
}

/** A routing view of the node that owns (from, to]. */
const member = (from: bigint, to: bigint) => ({ self: { id: to, address: 'owner:1' }, predecessor: { id: from, address: 'before:1' } });

/** The replica side never calls out. */
const unused = () => new RpcClient({ call: () => Promise.reject(new Error('the replica side makes no calls')), close: () => undefined });
