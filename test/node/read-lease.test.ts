/** Read leases (node/replication/read-lease.ts) on stub components and a fake clock. */
import test from 'ava';
import { PeerUnreachable } from '../../common/errors.js';
import { hashId, successorOf } from '../../common/ring.js';
import { createLogger } from '../../common/log.js';
import { toMemberJson, type Member } from '../../common/wire.js';
import { Lifecycle } from '../../node/lifecycle.js';
import { ReadLeases } from '../../node/replication/read-lease.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { RoutingTable } from '../../node/routing.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

const member = (id: number): Member => ({ id: BigInt(id), address: `10.0.0.${id}:5000` });
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Node 8, predecessor 1, successor 14; the successor answers lease requests with `answer`. */
function leasesOf(answer: () => { granted: boolean; leaseMs: number }) {
  const clock = { now: 0 };
  const routing = new RoutingTable(member(8), 3);
  routing.setPredecessor(member(1));
  routing.setSuccessors(member(14));
  const lifecycle = new Lifecycle(member(8));
  lifecycle.enter('ready');
  const asked: number[] = [];
  const rpc = new RpcClient({
    call: async () => {
      asked.push(clock.now);
      return answer() as never;
    },
    close: () => undefined,
  });
  const leases = new ReadLeases({ routing, lifecycle, rpc, log: createLogger('test', 'silent') }, 2000, () => clock.now);
  return { leases, routing, clock, asked };
}

test('a head holds no lease until its successor grants one, then holds it for the lease length from when it asked', async (t) => {
  const { leases, clock, asked } = leasesOf(() => ({ granted: true, leaseMs: 2000 }));
  clock.now = 100;
  t.false(leases.held(), 'nothing granted yet');
  clock.now = 150; // the answer comes back 50 ms later
  await settle();
  t.deepEqual(asked, [100]);
  t.true(leases.held());
  clock.now = 1099;
  t.true(leases.held());
  t.is(asked.length, 1, 'more than half of the lease left: not renewed');
  clock.now = 2099;
  t.true(leases.held());
  clock.now = 2100;
  t.false(leases.held(), 'counted from when it asked (100), not from the answer (150)');
});

test('a lease the successor refuses, or whose successor is no longer the successor, is not held', async (t) => {
  let granted = false;
  const { leases, routing, clock } = leasesOf(() => ({ granted, leaseMs: 2000 }));
  leases.held();
  await settle();
  t.false(leases.held(), 'refused');
  await settle();
  granted = true;
  clock.now = 10;
  t.false(leases.held(), 'asks again');
  await settle();
  t.true(leases.held());
  routing.setSuccessors(member(12)); // a node joined between
  t.false(leases.held(), 'a lease from node 14 says nothing about node 12');
});

test('a successor grants only to its live predecessor, and waits one lease after marking it failed', async (t) => {
  const { leases, routing, clock } = leasesOf(() => { throw new PeerUnreachable('x'); });
  t.true(leases.grant(toMemberJson(member(1))).granted);
  t.false(leases.grant(toMemberJson(member(5))).granted, 'not its predecessor');
  routing.markPredecessorFailed(member(1));
  t.false(leases.grant(toMemberJson(member(1))).granted, 'marked failed');
  let waited = false;
  const waiting = leases.waitOut().then(() => { waited = true; });
  clock.now = 1999;
  await settle();
  t.false(waited);
  clock.now = 2000;
  await waiting; // the real timer: 2000 ms from the mark
  t.true(waited);
});

test('a predecessor that fails while the wait for another runs moves the end of the wait', async (t) => {
  const { leases, routing, clock } = leasesOf(() => { throw new PeerUnreachable('x'); });
  t.true(routing.evict(member(1).address)); // failed at 0: the wait ends at 2000
  let waited = false;
  const waiting = leases.waitOut().then(() => { waited = true; });
  // Timers of one length fire in the order they were set: this one right after the wait's.
  const firstWaitOver = new Promise((resolve) => setTimeout(resolve, 2000));
  clock.now = 1000;
  routing.setPredecessor(member(5)); // taken in meanwhile, granted a lease, and failed at 1000
  t.true(leases.grant(toMemberJson(member(5))).granted);
  t.true(routing.evict(member(5).address));
  clock.now = 2000;
  await firstWaitOver;
  await settle();
  t.false(waited, 'ended at the first failure\'s mark while the second one\'s lease could still be in force');
  clock.now = 3000;
  await waiting;
  t.true(waited);
});

// Regression: the wait was counted from a mark only the predecessor check made. When routing
// evicted the predecessor instead (a failed notify in a two-node ring, a forward that failed),
// the successor took the range over at once while the old head could still answer from its
// copy under a lease.
test('a predecessor that stopped counting as alive some other way than its check is waited out all the same', async (t) => {
  const { leases, routing, clock } = leasesOf(() => { throw new PeerUnreachable('x'); });
  clock.now = 500;
  t.true(leases.grant(toMemberJson(member(1))).granted);
  clock.now = 600;
  t.true(routing.evict(member(1).address));
  t.false(routing.predecessorAlive);
  let waited = false;
  const waiting = leases.waitOut().then(() => { waited = true; });
  await settle();
  t.false(waited, 'a lease granted at 500 may run until 2500; the wait runs from the eviction, to 2600');
  clock.now = 2600;
  await waiting;
  t.true(waited);
});

test('in a running ring with k = 3, a read of a clean key stops at its owner (the chain\'s head) once the owner holds its lease', async (t) => {
  const cluster = await TestCluster.start(4, { k: 3, transport: 'memory' });
  t.teardown(() => cluster.teardown());
  await cluster.kv.put(cluster.nodes[0].address, 'craq', 'clean');
  const owner = successorOf(hashId('craq'), cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }))).address;
  const answeredBy = await waitFor(async () => {
    const answer = await cluster.kv.get(cluster.nodes[1].address, 'craq');
    t.is(answer.value, 'clean');
    return answer.node === owner ? answer.node : undefined;
  }, 10_000, 50);
  t.is(answeredBy, owner, 'every read went on to the tail');
});
