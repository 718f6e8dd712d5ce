/**
 * ReplicaSync alone, built from stub components: handing on pairs a node no longer holds
 * must not drop what the ring gave back to it, or what was written, while they travelled.
 */
import test from 'ava';
import { createLogger } from '../../common/log.js';
import { hashId } from '../../common/ring.js';
import { toMemberJson, type Member } from '../../common/wire.js';
import type { Neighbours } from '../../node/membership/neighbours.js';
import { MembershipLock } from '../../node/membership-lock.js';
import { ReplicaSync } from '../../node/replicas.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { RoutingTable } from '../../node/routing.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { counterVersions } from '../../node/versions/counter.js';

const member = (id: bigint, name = String(id)): Member => ({ id, address: `node-${name}:1` });
const KEY = 'travelling';

/**
 * Node 50 with k = 1, whose predecessor is 40: every real key's id lies outside (40, 50], so
 * KEY is foreign and is handed to its owner. `duringSend` runs while the pairs travel;
 * `predecessorAfter` is what the ring says once they arrived.
 */
async function handOnWith(duringSend: (store: MemoryStore) => Promise<void>, predecessorAfter: Member) {
  const routing = new RoutingTable(member(50n), 3);
  routing.setPredecessor(member(40n));
  const store = new MemoryStore();
  await store.update(KEY, () => ({ value: 'v', version: 1 }));
  let walks = 0;
  const neighbours = {
    walkBack: async () => [walks++ === 0 ? member(40n) : predecessorAfter],
    liveState: async () => ({ member: true, predecessor: null, successors: [] }),
  } as unknown as Neighbours;
  const rpc = new RpcClient({
    call: async () => { await duringSend(store); return { applied: 1 } as never; },
    close: () => undefined,
  });
  const replicas = new ReplicaSync({
    routing, store, rpc, neighbours, lock: new MembershipLock(), log: createLogger('test', 'silent'), versions: counterVersions,
    findSuccessor: async () => ({ node: toMemberJson(member(99n)), hops: 0 }),
    settings: () => ({ mode: 'linearizable', k: 1 }), chainLeases: { drained: (change) => Promise.resolve(change()) },
  }, { requestReconfigure: () => undefined });
  const result = await replicas.reconcile();
  return { store, result, replicas, routing };
}

test('a pair handed on is dropped when nothing changed meanwhile', async (t) => {
  const { store, result } = await handOnWith(async () => undefined, member(40n));
  t.is(result.dropped, 1);
  t.is(await store.get(KEY), undefined);
});

test('a pair whose range became this node\'s again while it travelled is kept', async (t) => {
  // The ring changed: the predecessor is now just before the key, so node 50 holds it again.
  const { store, result } = await handOnWith(async () => undefined, member(hashId(KEY) - 1n, 'new'));
  t.is(result.dropped, 0);
  t.deepEqual(await store.get(KEY), { value: 'v', version: 1 });
});

test('a pair written again while it travelled is kept', async (t) => {
  const { store, result } = await handOnWith(async (s) => { await s.update(KEY, () => ({ value: 'newer', version: 2 })); }, member(40n));
  t.is(result.dropped, 0);
  t.deepEqual(await store.get(KEY), { value: 'newer', version: 2 });
});

// Found by review: a join through node 50 sets the joiner as its predecessor, then reconciles;
// if that reconcile failed, the chain's leases still covered the joiner's part of the range,
// which the joiner heads through a chain without node 50's tail.
test('the range chain leases cover shrinks at once to what the node still heads when a joiner becomes its predecessor', async (t) => {
  const { replicas, routing } = await handOnWith(async () => undefined, member(40n));
  t.is(replicas.pushedRangeFrom, 40n, 'the chain was given (40, 50]');
  routing.setPredecessor(member(45n)); // a joiner, admitted; no reconcile since
  t.is(replicas.pushedRangeFrom, 45n);
  routing.setPredecessor(member(30n)); // the range grew (a depart): it counts once it is pushed
  t.is(replicas.pushedRangeFrom, 40n);
});
