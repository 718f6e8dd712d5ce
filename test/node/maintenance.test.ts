/**
 * Maintenance alone, built from stub components: what check_predecessor and notify do to
 * the routing table when the ring moves under them.
 */
import test from 'ava';
import { noMetrics } from '../../node/metrics.js';
import { isGone, PeerUnreachable } from '../../common/errors.js';
import { createLogger } from '../../common/log.js';
import { toMemberJson, type Member } from '../../common/wire.js';
import { Lifecycle } from '../../node/lifecycle.js';
import { Maintenance, type MaintenanceComponents } from '../../node/maintenance.js';
import type { Neighbours } from '../../node/membership/neighbours.js';
import { MembershipLock } from '../../node/membership-lock.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { RoutingTable } from '../../node/routing.js';
import { MemoryPeerBook } from '../../node/storage/peer-book.js';

const member = (id: number): Member => ({ id: BigInt(id), address: `10.0.0.${id}:5000` });

/** Node 8 with predecessor 1 and successor 14; `liveState` answers as `answer` says; `overrides` replace components. */
function maintenanceOf(answer: (address: string) => Promise<unknown>, overrides: Partial<MaintenanceComponents> = {}, antiEntropyRounds = 1000) {
  const routing = new RoutingTable(member(8), 3);
  routing.setPredecessor(member(1));
  routing.setSuccessors(member(14));
  const lifecycle = new Lifecycle(member(8));
  lifecycle.enter('ready');
  const neighbours = { liveState: answer, refresh: async () => [], hasFailed: isGone } as unknown as Neighbours;
  const rpc = new RpcClient({ call: async () => ({ changed: false }) as never, close: () => undefined });
  const maintenance = new Maintenance({
    routing, lifecycle, rpc, neighbours, lock: new MembershipLock(), peerBook: new MemoryPeerBook(), log: createLogger('test', 'silent'), metrics: noMetrics,
    findSuccessor: async () => ({ node: toMemberJson(member(14)), hops: 0 }),
    replicas: { reconcile: async () => ({ pushed: 0, dropped: 0 }), chainIsCurrent: () => true, handOnForeign: async () => 0 },
    expire: async () => 0, antiEntropy: async () => ({ moved: 0 }), leases: { predecessorFailed: () => undefined, waitOut: async () => undefined },
    ...overrides,
  }, { maintenanceIntervalMs: 1000, antiEntropyRounds, lockLeaseMs: 1000 });
  return { routing, maintenance };
}

test('a predecessor that changed while the old one was being checked is not marked failed', async (t) => {
  const late: { routing?: RoutingTable } = {};
  const { routing, maintenance } = maintenanceOf(async (address) => {
    if (address !== member(1).address) return { member: true };
    // The old predecessor is silent; meanwhile a notify (from node 4) replaced it.
    late.routing!.setPredecessor(member(4));
    throw new PeerUnreachable(address);
  });
  late.routing = routing;
  await maintenance.runRound();
  t.is(routing.predecessor?.id, 4n);
  t.true(routing.predecessorAlive, 'node 4 was never checked, yet it was marked failed');
});

test('a silent predecessor is marked failed, and revived when it notifies again', async (t) => {
  const { routing, maintenance } = maintenanceOf(async (address) => {
    if (address === member(1).address) throw new PeerUnreachable(address);
    return { member: true };
  });
  await maintenance.runRound();
  t.false(routing.predecessorAlive);
  t.false(await maintenance.notified(toMemberJson(member(1))), 'a notify from the predecessor changes nothing else');
  t.is(routing.predecessor?.id, 1n);
  t.true(routing.predecessorAlive, 'the predecessor notified us, so it is alive');
});

test('every antiEntropyRounds rounds, maintenance runs the Merkle exchange (not a full push) and counts the pairs it moved', async (t) => {
  const calls: string[] = [];
  const counted: number[] = [];
  const { maintenance } = maintenanceOf(async () => ({ member: true }), {
    metrics: { ...noMetrics, antiEntropy: (moved) => counted.push(moved) },
    replicas: {
      reconcile: async () => { calls.push('reconcile'); return { pushed: 100, dropped: 0 }; },
      chainIsCurrent: () => true,
      handOnForeign: async () => { calls.push('handOnForeign'); return 0; },
    },
    antiEntropy: async () => { calls.push('antiEntropy'); return { moved: 7 }; },
  }, 2);
  await maintenance.runRound();
  t.deepEqual(calls, [], 'not in round 1');
  await maintenance.runRound();
  t.deepEqual(calls, ['antiEntropy', 'handOnForeign']);
  t.deepEqual(counted, [7]);
});

test('a node takes over its failed predecessor\'s range only once the read lease it may hold has run out', async (t) => {
  const events: string[] = [];
  const { routing, maintenance } = maintenanceOf(async (address) => {
    if (address === member(1).address) throw new PeerUnreachable(address);
    return { member: true };
  }, {
    leases: {
      predecessorFailed: () => events.push('marked failed'),
      waitOut: async () => {
        events.push(`waiting, predecessor still ${routing.predecessor?.id}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    },
  });
  await maintenance.runRound();
  t.true(await maintenance.notified(toMemberJson(member(0))));
  t.is(routing.predecessor?.id, 0n);
  t.deepEqual(events, ['marked failed', 'waiting, predecessor still 1']);
});
