/** Token-aware routing: requests sent where the ring says they are answered take no forward, and a stale map is learned again. */
import test from 'ava';
import type { KvClient } from '../../common/client.js';
import { DirectKvClient, DirectRouter } from '../../common/direct.js';
import { ChordError, NotReady, PeerTimeout, PeerUnreachable } from '../../common/errors.js';
import { hashId, idToHex } from '../../common/ring.js';
import { VirtualRing } from '../../common/vnodes.js';
import type { Consistency } from '../../common/wire.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

for (const consistency of ['linearizable', 'eventual', 'quorum'] as Consistency[]) {
  test(`${consistency}: every write and read sent to its target takes no forward (a linearizable read: at most the head's one, to the tail)`, async (t) => {
    const cluster = await TestCluster.start(5, { k: 3, consistency, config: { consistency, k: 3 } });
    t.teardown(() => cluster.teardown());
    const router = new DirectRouter(cluster.kv, [cluster.addresses[0]]);
    await router.learn();
    t.deepEqual([...router.members].sort(), [...cluster.addresses].sort());
    for (let i = 0; i < 30; i++) {
      const put = await cluster.kv.write(router.target('put', `direct ${i}`), `direct ${i}`, `v${i}`);
      t.is(put.hops, 0, `put direct ${i}`);
    }
    for (let i = 0; i < 30; i++) {
      const key = `direct ${i}`;
      // An eventual replica answers from its own copy once the owner's background push reached it; until then it forwards.
      let get = await cluster.kv.read(router.target('get', key), key);
      await waitFor(async () => (get = await cluster.kv.read(router.target('get', key), key)).hops <= router.expectedHops('get'), 5000);
      t.true(get.hops <= router.expectedHops('get'), `get ${key}: ${get.hops} hops`);
      t.is(get.value, `v${i}`);
    }
  });
}

test('after a join the router learns the ring again once an answer took a forward, even one that came right after it learned', async (t) => {
  const cluster = await TestCluster.start(3, { k: 1 });
  t.teardown(() => cluster.teardown());
  // A clock that stands still: every hint comes "right after" the router learned the ring.
  const router = new DirectRouter(cluster.kv, cluster.addresses, { now: () => 1_000_000 });
  await router.learn();
  const joined = await cluster.join();
  // A client keeps sending: keys the newcomer now owns go to their old owner, which forwards,
  // until the router has learned the ring again.
  let forwarded = false;
  let sent = 0;
  const learned = await waitFor(async () => {
    const key = `moved ${sent++}`;
    const answer = await cluster.kv.put(router.target('put', key), key, 'x');
    forwarded ||= answer.hops > 0;
    router.observe('put', answer);
    return router.members.includes(joined.address);
  }, 10_000, 10);
  t.true(forwarded, 'no answer took a forward');
  t.true(learned, 'the router never learned of the join');
});

/** A KvClient stand-in for a 3-node k = 1 ring: `answer` decides each write and read; every call is recorded. */
function stubKv(answer: (op: string, node: string, attempt: number) => unknown) {
  const nodes = ['10.0.0.1:1', '10.0.0.2:1', '10.0.0.3:1'];
  const calls: { op: string; node: string }[] = [];
  const call = (op: string) => async (node: string) => {
    calls.push({ op, node });
    const result = answer(op, node, calls.filter((c) => c.op === op).length);
    if (result instanceof Error) throw result;
    return result;
  };
  const kv = {
    overlay: async () => ({ nodes: nodes.map((address) => ({ id: idToHex(hashId(address)), address })) }),
    status: async () => ({ consistency: 'linearizable', k: 1 }),
    write: call('put'),
    read: call('get'),
    delete: call('delete'),
  } as unknown as KvClient;
  return { kv, calls, nodes };
}

const ok = { value: 'v', hops: 0 };

test('DirectKvClient: learns the ring on first use and sends each key to its owner', async (t) => {
  const { kv, calls, nodes } = stubKv(() => ok);
  const client = new DirectKvClient(kv, [nodes[0]]);
  const ring = new VirtualRing(nodes.map((address) => ({ id: hashId(address), address })));
  for (let i = 0; i < 20; i++) await client.write(`k${i}`, 'v');
  t.deepEqual(calls.map((c) => c.node), Array.from({ length: 20 }, (_, i) => ring.replicaSet(hashId(`k${i}`), 1)[0].address));
});

const refused = () => new PeerUnreachable('10.0.0.9:1', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
const reset = () => new PeerUnreachable('10.0.0.9:1', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));

test('DirectKvClient: a write whose connection was refused is sent once more, to another member when the map still names the same node', async (t) => {
  const { kv, calls, nodes } = stubKv((_op, _node, attempt) => (attempt === 1 ? refused() : ok));
  const client = new DirectKvClient(kv, [nodes[0]]);
  t.deepEqual(await client.write('k', 'v'), ok);
  t.is(calls.length, 2);
  t.not(calls[1].node, calls[0].node);
});

test('DirectKvClient: a write that may have been applied (reset, timeout, RING_CHANGING) is not sent again; a read is', async (t) => {
  const failures = [reset, (node: string) => new PeerTimeout(node), () => new NotReady('joining', 'RING_CHANGING')];
  for (const failure of failures) {
    for (const op of ['put', 'get', 'delete'] as const) {
      const { kv, calls, nodes } = stubKv((o, node, attempt) => (o === op && attempt === 1 ? failure(node) : ok));
      const client = new DirectKvClient(kv, [nodes[0]]);
      const sent = op === 'put' ? client.write('k', 'v') : op === 'get' ? client.read('k') : client.delete('k');
      if (op === 'get') t.deepEqual(await sent, ok);
      else await t.throwsAsync(sent, { code: failure('x').code });
      t.is(calls.length, op === 'get' ? 2 : 1, `${op} after ${failure('x').code}`);
    }
  }
});

test('DirectKvClient: other errors are the answer, sent once', async (t) => {
  const { kv, calls, nodes } = stubKv(() => new ChordError('VERSION_MISMATCH', 'the key is at version 3'));
  await t.throwsAsync(new DirectKvClient(kv, [nodes[0]]).write('k', 'v', { ifVersion: 2 }), { message: /version 3/ });
  t.is(calls.length, 1);
});

test('DirectKvClient on a real ring: writes take no forward, and a crashed owner is routed around after learning again', async (t) => {
  const cluster = await TestCluster.start(4, { k: 1 });
  t.teardown(() => cluster.teardown());
  const client = new DirectKvClient(cluster.kv, [cluster.addresses[0]]);
  for (let i = 0; i < 20; i++) t.is((await client.write(`real ${i}`, `v${i}`)).hops, 0);
  // A node that owns one of these keys (one with a small arc may own none: the test's flake once).
  const keys = Array.from({ length: 200 }, (_, i) => `after ${i}`);
  const victim = cluster.nodes.slice(1).find((node) => keys.some((key) => client.router.target('put', key) === node.address))!;
  const owned = keys.find((key) => client.router.target('put', key) === victim.address)!;
  await cluster.crash(victim);
  // Once the ring has healed around it, the client's stale map still names the crashed node.
  await waitFor(async () => (await cluster.kv.write(cluster.addresses[0], owned, 'x').then(() => true, () => false)), 20_000);
  const answer = await client.write(owned, 'y');
  t.not(answer.node, victim.address);
  t.is((await client.read(owned)).value, 'y');
  t.false(client.router.members.includes(victim.address));
});
