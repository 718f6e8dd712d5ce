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
import { Neighbours } from '../../node/membership/neighbours.js';
import { MembershipLock } from '../../node/membership-lock.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { RoutingTable } from '../../node/routing.js';
import { MemoryPeerBook } from '../../node/storage/peer-book.js';

const member = (id: number): Member => ({ id: BigInt(id), address: `10.0.0.${id}:5000` });

/** Node 8 with predecessor 1 and successor 14; `liveState` answers as `answer` says; `overrides` replace components. */
function maintenanceOf(
  answer: (address: string) => Promise<unknown>,
  overrides: Partial<MaintenanceComponents> | ((routing: RoutingTable) => Partial<MaintenanceComponents>) = {},
  antiEntropyRounds = 1000,
  lockLeaseMs = 1000,
) {
  const routing = new RoutingTable(member(8), 3);
  routing.setPredecessor(member(1));
  routing.setSuccessors(member(14));
  const lifecycle = new Lifecycle(member(8));
  lifecycle.enter('ready');
  const neighbours = { liveState: answer, refresh: async () => [], notifySuccessor: async () => 'look', hasFailed: isGone } as unknown as Neighbours;
  const rpc = new RpcClient({ call: async () => ({ changed: false }) as never, close: () => undefined });
  const maintenance = new Maintenance({
    routing, lifecycle, rpc, neighbours, lock: new MembershipLock(), peerBook: new MemoryPeerBook(), log: createLogger('test', 'silent'), metrics: noMetrics,
    findSuccessor: async () => ({ node: toMemberJson(member(14)), hops: 0 }),
    replicas: { reconcile: async () => ({ pushed: 0, dropped: 0 }), chainIsCurrent: () => true, handOnForeign: async () => 0 },
    expire: async () => 0, antiEntropy: async () => ({ moved: 0 }), leases: { waitOut: async () => undefined }, handOverWrites: async () => undefined, sendPairs: async () => undefined,
    aloneAfterSilence: () => false,
    ...(typeof overrides === 'function' ? overrides(routing) : overrides),
  }, { maintenanceIntervalMs: 1000, antiEntropyRounds, lockLeaseMs });
  return { routing, maintenance, lifecycle };
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
      waitOut: async () => {
        events.push(`waiting, predecessor still ${routing.predecessor?.id}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    },
  });
  await maintenance.runRound();
  t.false(routing.predecessorAlive, 'marked failed');
  t.true(await maintenance.notified(toMemberJson(member(0))));
  t.is(routing.predecessor?.id, 0n);
  t.deepEqual(events, ['waiting, predecessor still 1']);
});

/** Real Neighbours over a stub network that answers `notify` and `state` per address, recording every call. */
function networkOf(views: Record<number, { predecessor: number; successors: number[] }>) {
  const calls: string[] = [];
  const view = (address: string) => {
    const id = Number(address.split('.')[3].split(':')[0]);
    const { predecessor, successors } = views[id];
    return { member: true, predecessor: toMemberJson(member(predecessor)), successors: successors.map((n) => toMemberJson(member(n))) };
  };
  const rpc = new RpcClient({
    call: async (address: string, method: string, path: string) => {
      calls.push(`${method} ${path} ${address}`);
      return (path === '/rpc/notify' ? { changed: false, ...view(address) } : view(address)) as never;
    },
    close: () => undefined,
  });
  const overrides = (routing: RoutingTable) => ({ rpc, neighbours: new Neighbours({ routing, rpc, log: createLogger('test', 'silent') }, 10_000) });
  return { calls, overrides };
}

// An idle ring's maintenance must not grow with what it re-reads: stabilize used to ask the
// successor's state and then notify it, and check_predecessor asked the predecessor's state,
// every round, though the predecessor proves it lives by notifying.
test('a round that finds the ring as it was is one call: the notify, whose answer carries the successor\'s pointers', async (t) => {
  const network = networkOf({ 14: { predecessor: 8, successors: [21, 32, 38] } });
  const { routing, maintenance } = maintenanceOf(async () => ({ member: true }), network.overrides);
  t.false(await maintenance.notified(toMemberJson(member(1))), 'the predecessor notifies, as it does every round');
  await maintenance.runRound();
  t.deepEqual(network.calls, ['POST /rpc/notify 10.0.0.14:5000']);
  t.deepEqual(routing.successors.map((p) => Number(p.id)), [14, 21, 32]);
});

test('a successor that names another predecessor makes the round look further, and a node that joined in between becomes the successor', async (t) => {
  const network = networkOf({
    1: { predecessor: 60, successors: [8, 14, 21] },
    14: { predecessor: 10, successors: [21, 32, 38] },
    10: { predecessor: 8, successors: [14, 21, 32] },
  });
  const { routing, maintenance } = maintenanceOf(async () => ({ member: true }), network.overrides);
  await maintenance.runRound();
  t.deepEqual(routing.successors.map((p) => Number(p.id)), [10, 14, 21]);
  t.is(network.calls.at(-1), 'POST /rpc/notify 10.0.0.10:5000', 'the newcomer is notified');
  t.true(network.calls.includes('GET /rpc/state 10.0.0.1:5000'), 'a predecessor that did not notify lately is checked');
  t.true(routing.predecessorAlive);
});

// Regression: with stabilize starting at the notify, a process restarted on a listed address
// got notified while it waited to be spliced in, took the notifier as its predecessor, and
// its join then failed with NOT_A_MEMBER.
test('a node waiting to be spliced in refuses a notify as no member, and its pointers stay the join\'s to set', async (t) => {
  const { routing, maintenance, lifecycle } = maintenanceOf(async () => ({ member: true }));
  lifecycle.enter('joining');
  routing.setPredecessor(null);
  const err = await t.throwsAsync(maintenance.notified(toMemberJson(member(4))));
  t.true(isGone(err, member(8).address), `${(err as { code?: string } | undefined)?.code}`);
  t.is(routing.predecessor, null);
});

test('a new predecessor is handed the pairs and the write records of the keys it now heads, before it is taken (so it answers with what was acknowledged here, and a retry there is not applied afresh)', async (t) => {
  const handed: string[] = [];
  const stubs = (routing: RoutingTable) => ({
    sendPairs: async (address: string, from: bigint, to: bigint) => {
      handed.push(`pairs to ${address} (${from}, ${to}], predecessor still ${routing.predecessor?.id}`);
    },
    handOverWrites: async (address: string, from: bigint, to: bigint) => {
      handed.push(`records to ${address} (${from}, ${to}], predecessor still ${routing.predecessor?.id}`);
    },
  });
  // A node between the predecessor (1) and this one (8): it takes (1, 4].
  const between = maintenanceOf(async () => ({ member: true }), stubs);
  t.true(await between.maintenance.notified(toMemberJson(member(4))));
  t.is(between.routing.predecessor?.id, 4n);
  // The predecessor itself notifying, as every round, hands nothing over.
  t.false(await between.maintenance.notified(toMemberJson(member(4))));
  // The predecessor failed, and the node before it (0) comes forward: it takes nothing from
  // here (node 1's keys were never this node's), so nothing is handed over.
  const { maintenance } = maintenanceOf(async (address) => {
    if (address === member(1).address) throw new PeerUnreachable(address);
    return { member: true };
  }, stubs);
  await maintenance.runRound();
  t.true(await maintenance.notified(toMemberJson(member(0))));
  t.deepEqual(handed, ['pairs to 10.0.0.4:5000 (1, 4], predecessor still 1', 'records to 10.0.0.4:5000 (1, 4], predecessor still 1']);
});

test('a hand-over that outlasts the lock\'s lease keeps the lock held until the new predecessor is taken', async (t) => {
  const lock = new MembershipLock();
  const leaseMs = 300;
  const heldAfterTransfer: boolean[] = [];
  const { routing, maintenance } = maintenanceOf(async () => ({ member: true }), {
    lock,
    // A slow transfer: three leases long.
    sendPairs: async () => {
      await new Promise((resolve) => setTimeout(resolve, 3 * leaseMs));
      heldAfterTransfer.push(lock.heldBy !== null);
    },
  }, 1000, leaseMs);
  t.true(await maintenance.notified(toMemberJson(member(4))));
  t.deepEqual(heldAfterTransfer, [true]);
  t.is(routing.predecessor?.id, 4n);
  t.is(lock.heldBy, null, 'released once done');
});

test('a new predecessor that cannot be sent the pairs of its keys is not taken (it notifies again next round)', async (t) => {
  const { routing, maintenance } = maintenanceOf(async () => ({ member: true }), {
    sendPairs: async () => { throw new PeerUnreachable(member(4).address); },
  });
  await t.throwsAsync(maintenance.notified(toMemberJson(member(4))));
  t.is(routing.predecessor?.id, 1n);
});

test('a new predecessor is taken even when its write records cannot be handed over', async (t) => {
  const { routing, maintenance } = maintenanceOf(async () => ({ member: true }), {
    handOverWrites: async () => { throw new PeerUnreachable(member(4).address); },
  });
  t.true(await maintenance.notified(toMemberJson(member(4))));
  t.is(routing.predecessor?.id, 4n);
});
