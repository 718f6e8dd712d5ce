/** Chain-membership leases (node/replication/chain-lease.ts) on stub components and a fake clock. */
import test from 'ava';
import { createLogger } from '../../common/log.js';
import { hashId, idToHex, sortClockwise, successorOf } from '../../common/ring.js';
import { toMemberJson, type Item, type Member } from '../../common/wire.js';
import { Lifecycle } from '../../node/lifecycle.js';
import { ChainLeases, type ChainLeaseAnswer } from '../../node/replication/chain-lease.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { MemoryStore } from '../../node/storage/memory-store.js';
import { RoutingTable } from '../../node/routing.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

const member = (id: number): Member => ({ id: BigInt(id), address: `10.0.0.${id}:5000` });
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Node 20 (predecessor 14, successor 30) as a head whose active chain is `chain`. */
function head(options: { chain: Member[]; readLeaseLeft: number; pushedFrom?: bigint | null }) {
  const clock = { now: 0 };
  const routing = new RoutingTable(member(20), 3);
  routing.setPredecessor(member(14));
  routing.setSuccessors(member(30), [member(40)]);
  const lifecycle = new Lifecycle(member(20));
  lifecycle.enter('ready');
  const rpc = new RpcClient({ call: async () => { throw new Error('a head asks no one'); }, close: () => undefined });
  const leases = new ChainLeases({
    routing, lifecycle, rpc, log: createLogger('test', 'silent'),
    chain: () => options.chain, readLeaseLeft: () => options.readLeaseLeft, headsToAsk: () => 2,
    pushedRangeFrom: () => (options.pushedFrom === null ? undefined : options.pushedFrom ?? 14n),
  }, 2000, () => clock.now);
  return { leases, clock, options };
}

test('a head grants a chain lease only to a member of its active chain, only while it holds its read lease, and for no longer than that has left', (t) => {
  const { leases, options } = head({ chain: [member(30), member(40)], readLeaseLeft: 2000 });
  t.like(leases.grant(toMemberJson(member(40))), { granted: true, leaseMs: 2000, from: idToHex(14n), predecessor: toMemberJson(member(14)) });
  t.false(leases.grant(toMemberJson(member(50))).granted, 'not in the chain');
  options.readLeaseLeft = 700;
  t.like(leases.grant(toMemberJson(member(30))), { granted: true, leaseMs: 700 });
  options.readLeaseLeft = 0;
  t.false(leases.grant(toMemberJson(member(30))).granted, 'no read lease of its own');
});

test('a lease covers only the range the head\'s chain was given: none before the first push, and a grown range once it was pushed', (t) => {
  const { leases, options } = head({ chain: [member(30)], readLeaseLeft: 2000, pushedFrom: null });
  t.false(leases.grant(toMemberJson(member(30))).granted, 'nothing pushed yet');
  options.pushedFrom = 20n; // the predecessor (14) is new: its range, taken over, has not been pushed
  t.like(leases.grant(toMemberJson(member(30))), { granted: true, from: null }, 'only its own id: alone before the takeover');
  options.pushedFrom = 5n;
  t.like(leases.grant(toMemberJson(member(30))), { granted: true, from: idToHex(5n) });
});

test('a change waits until every chain lease granted has run out, and none is granted meanwhile', async (t) => {
  const { leases, clock } = head({ chain: [member(30), member(40)], readLeaseLeft: 2000 });
  clock.now = 1000;
  t.true(leases.grant(toMemberJson(member(40))).granted); // runs until 3000
  let changedAt: number | undefined;
  clock.now = 2950; // 50 ms of the lease left
  const change = leases.drained(() => { changedAt = clock.now; });
  t.false(leases.grant(toMemberJson(member(30))).granted, 'no lease while a change waits');
  // The wait is a timer of what is left; the fake clock has not reached 3000 when it fires.
  await new Promise((resolve) => setTimeout(resolve, 120));
  t.is(changedAt, undefined, 'a timer that fired before the clock agreed does not end the wait');
  clock.now = 3000;
  await change;
  t.is(changedAt, 3000);
  t.true(leases.grant(toMemberJson(member(30))).granted, 'granted again once the change is done');
});

test('a change with no lease in force does not wait', async (t) => {
  const { leases } = head({ chain: [member(30)], readLeaseLeft: 2000 });
  const started = Date.now();
  t.is(await leases.drained(() => 'done'), 'done');
  t.true(Date.now() - started < 1000);
});

/**
 * Node 40 as a member: it asks back along the ring (30, then 20), answered by `answers`
 * (by address); the clock moves `transitMs` while each call is on its way.
 */
function memberOf(answers: Record<string, (asker: unknown) => ChainLeaseAnswer>, transitMs = 0) {
  const clock = { now: 0 };
  const routing = new RoutingTable(member(40), 3);
  routing.setPredecessor(member(30));
  routing.setSuccessors(member(50));
  const lifecycle = new Lifecycle(member(40));
  lifecycle.enter('ready');
  const asked: string[] = [];
  const rpc = new RpcClient({
    call: async (address, _method, _path, body) => {
      asked.push(address);
      clock.now += transitMs;
      return answers[address]((body as { node: unknown }).node) as never;
    },
    close: () => undefined,
  });
  const leases = new ChainLeases({
    routing, lifecycle, rpc, log: createLogger('test', 'silent'),
    chain: () => [], readLeaseLeft: () => 0, headsToAsk: () => 2, pushedRangeFrom: () => undefined,
  }, 2000, () => clock.now);
  return { leases, clock, asked };
}

const grantFrom = (predecessor: number): ChainLeaseAnswer => ({ granted: true, leaseMs: 2000, from: idToHex(BigInt(predecessor)), predecessor: toMemberJson(member(predecessor)) });

test('a member asks its k - 1 heads back along the ring and answers for their ranges until the leases run out, counted from when it asked', async (t) => {
  const { leases, clock, asked } = memberOf({ [member(30).address]: () => grantFrom(20), [member(20).address]: () => grantFrom(14) }, 50);
  t.false(leases.covers(25n), 'nothing held yet');
  await settle();
  t.deepEqual(asked, [member(30).address, member(20).address], 'the predecessor, then the one its answer named; no further than k - 1');
  t.true(leases.covers(25n), '(20, 30]: 30 is a head');
  t.true(leases.covers(15n), '(14, 20]: 20 is a head');
  t.false(leases.covers(10n), 'outside both ranges');
  t.false(leases.covers(45n), 'its own range is not a chain lease matter');
  clock.now = 1999; // the lease from 30 was asked for at 0, the one from 20 at 50
  t.true(leases.covers(25n));
  clock.now = 2000;
  t.false(leases.covers(25n), 'from 30: counted from when it asked');
  t.true(leases.covers(15n));
  clock.now = 2050;
  t.false(leases.covers(15n));
});

test('a member stops asking at the first head that refuses, and keeps nothing from it', async (t) => {
  const refused: ChainLeaseAnswer = { granted: false, leaseMs: 2000, from: idToHex(20n), predecessor: toMemberJson(member(20)) };
  const { leases, asked } = memberOf({ [member(30).address]: () => refused, [member(20).address]: () => grantFrom(14) });
  leases.covers(25n);
  await settle();
  t.deepEqual(asked, [member(30).address]);
  t.false(leases.covers(25n));
  t.false(leases.covers(15n));
});

/** Each key's chain in a ring of `addresses` with k = 3: its owner and the next two, clockwise. */
function chainsOf(addresses: string[], keys: string[]): Map<string, string[]> {
  const members = addresses.map((address) => ({ id: hashId(address), address }));
  return new Map(keys.map((key) => {
    const owner = successorOf(hashId(key), members);
    return [key, sortClockwise(members, owner.id).slice(0, 3).map((m) => m.address)];
  }));
}

const KEYS = Array.from({ length: 24 }, (_, i) => `craq-${i}`);

test('in a running ring with k = 3, a read entering at a middle node or the tail of its key\'s chain is answered there', async (t) => {
  const cluster = await TestCluster.start(4, { k: 3, transport: 'memory' });
  t.teardown(() => cluster.teardown());
  for (const key of KEYS.slice(0, 4)) await cluster.kv.put(cluster.nodes[0].address, key, 'v');
  for (const [key, [, middle, tail]] of chainsOf(cluster.addresses, KEYS.slice(0, 4))) {
    for (const entry of [middle, tail]) {
      const answeredBy = await waitFor(async () => {
        const answer = await cluster.kv.get(entry, key);
        t.is(answer.value, 'v');
        return answer.node === entry ? answer.node : undefined;
      }, 10_000, 20);
      t.is(answeredBy, entry);
    }
  }
});

/** A memory store that keeps what its node hands on while `keeping.on` (as when the hand-on failed). */
const keeping = { on: false };
class KeepingStore extends MemoryStore {
  override async remove(key: string, onlyIf?: (current: Item) => boolean): Promise<boolean> {
    return keeping.on ? false : super.remove(key, onlyIf);
  }
}

// The old tail keeps its copies here (its hand-on "failed"). Without the heads' wait, it
// answered the first value: its lease, granted before the join, still ran, and the second
// write was acknowledged through a chain without it.
test.serial('a node that a join drops from a key\'s chain stops answering for it before a write skips it', async (t) => {
  const cluster = await TestCluster.start(4, { k: 3, transport: 'memory', store: () => new KeepingStore() });
  t.teardown(() => { keeping.on = false; return cluster.teardown(); });
  for (const key of KEYS) await cluster.kv.put(cluster.nodes[0].address, key, 'first');
  const before = chainsOf(cluster.addresses, KEYS);
  // Every tail answers its keys itself (it holds its leases) right before the join.
  for (const [key, chain] of before) {
    t.true(await waitFor(async () => (await cluster.kv.get(chain[2], key)).node === chain[2] || undefined, 10_000, 20), `${key} at its tail`);
  }
  keeping.on = true;
  await cluster.join();
  const after = chainsOf(cluster.addresses, KEYS);
  const dropped = KEYS.filter((key) => !after.get(key)!.includes(before.get(key)![2]));
  t.true(dropped.length > 0, 'the join dropped some old tail from a chain');
  for (const key of dropped) {
    await cluster.kv.put(cluster.nodes[0].address, key, 'second');
    t.like(await cluster.kv.get(before.get(key)![2], key), { value: 'second' }, `${key}: its old tail answered a stale copy`);
  }
});

// The way back: the joiner leaves again (a depart, or a crash its successor takes over), and
// the old tail, which kept its first copy, is a member of the chain once more, with that
// copy's version the last one confirmed to it. Until the head has passed it the newer pair,
// it must not answer from the copy it kept: every read through it is checked until its
// store holds the newer pair, and after, until it answers the key itself again.
for (const leaving of ['departs', 'crashes'] as const) {
  test.serial(`a node back in a key's chain after the joiner that dropped it ${leaving} does not answer from the copy it kept`, async (t) => {
    const cluster = await TestCluster.start(4, { k: 3, transport: 'memory', store: () => new KeepingStore() });
    t.teardown(() => { keeping.on = false; return cluster.teardown(); });
    for (const key of KEYS) await cluster.kv.put(cluster.nodes[0].address, key, 'first');
    const before = chainsOf(cluster.addresses, KEYS);
    keeping.on = true;
    const joiner = await cluster.join();
    const dropped = KEYS.filter((key) => !chainsOf(cluster.addresses, KEYS).get(key)!.includes(before.get(key)![2]));
    t.true(dropped.length > 0, 'the join dropped some old tail from a chain');
    for (const key of dropped) await cluster.kv.put(cluster.nodes[0].address, key, 'second');
    const nodeAt = (address: string) => cluster.nodes.find((node) => node.address === address)!;
    for (const key of dropped) t.like(await cluster.storeOf(nodeAt(before.get(key)![2])).get(key), { value: 'first' }, `${key}: the old tail kept its copy`);
    keeping.on = false;
    if (leaving === 'departs') await cluster.depart(joiner);
    else await cluster.crash(joiner);
    for (const key of dropped) {
      const oldTail = before.get(key)![2];
      const caughtUp = await waitFor(async () => {
        const answer = await cluster.kv.get(oldTail, key).catch(() => undefined);
        if (answer) t.is(answer.value, 'second', `${key} read at ${oldTail}, answered by ${answer.node}`);
        return (await cluster.storeOf(nodeAt(oldTail)).get(key))?.value === 'second' || undefined;
      }, 20_000, 10);
      t.true(caughtUp, `${key}: its old tail was passed the newer pair`);
      // Passed the pair, not down the chain: the old tail answers the key itself once a read
      // it passed on has told it the version is committed.
      const answeredThere = await waitFor(async () => {
        const answer = await cluster.kv.get(oldTail, key);
        t.is(answer.value, 'second', `${key} read at ${oldTail}, answered by ${answer.node}`);
        return answer.node === oldTail || undefined;
      }, 10_000, 20);
      t.true(answeredThere, `${key}: its old tail answers it again`);
    }
  });
}
