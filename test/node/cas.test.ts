/** Compare-and-set: PUT with ifVersion / ifAbsent is atomic at the key's head in linearizable rings. */
import test from 'ava';
import { ChordError } from '../../common/errors.js';
import { hashId, replicaSet } from '../../common/ring.js';
import { TestCluster } from '../helpers/cluster.js';

const codeOf = (err: unknown) => (err instanceof ChordError ? err.code : String(err));

test('20 concurrent incrementers through different nodes lose no increment', async (t) => {
  const cluster = await TestCluster.start(4, { k: 3 });
  t.teardown(() => cluster.teardown());
  const key = 'counter';
  await cluster.kv.put(cluster.nodes[0].address, key, '0', { ifAbsent: true });
  const INCREMENTERS = 20;
  const EACH = 5;
  let conflicts = 0;
  await Promise.all(Array.from({ length: INCREMENTERS }, async (_, worker) => {
    for (let done = 0; done < EACH;) {
      const via = cluster.nodes[(worker + done) % cluster.nodes.length].address;
      const current = await cluster.kv.get(via, key);
      try {
        await cluster.kv.put(via, key, String(Number(current.value) + 1), { ifVersion: current.version });
        done++;
      } catch (err) {
        if (codeOf(err) !== 'VERSION_MISMATCH') throw err;
        conflicts++;
      }
    }
  }));
  const final = await cluster.kv.get(cluster.nodes[3].address, key);
  t.is(final.value, String(INCREMENTERS * EACH), `${conflicts} conflicts were retried`);
  t.true(conflicts > 0, 'the incrementers never raced: the test proved nothing');
});

test('a failed condition changes nothing and answers 409 with the current version', async (t) => {
  const cluster = await TestCluster.start(3, { k: 2 });
  t.teardown(() => cluster.teardown());
  const [a, b, c] = cluster.nodes.map((n) => n.address);
  const first = await cluster.kv.put(a, 'cas', 'one', { ifAbsent: true });
  t.is((await cluster.kv.get(b, 'cas')).version, first.version);

  const absent = await t.throwsAsync(cluster.kv.put(b, 'cas', 'two', { ifAbsent: true }), { instanceOf: ChordError });
  t.is(absent?.code, 'VERSION_MISMATCH');
  t.is(absent?.status, 409);
  t.is(absent?.details.version, first.version);

  const stale = await t.throwsAsync(cluster.kv.put(c, 'cas', 'two', { ifVersion: (first.version as number) - 1 }), { instanceOf: ChordError });
  t.is(stale?.code, 'VERSION_MISMATCH');
  t.is(stale?.details.version, first.version);
  t.is((await cluster.kv.get(a, 'cas')).value, 'one');

  const second = await cluster.kv.put(c, 'cas', 'two', { ifVersion: first.version });
  t.true(second.version > first.version);
  t.is((await cluster.kv.get(b, 'cas')).value, 'two');

  await cluster.kv.delete(a, 'cas');
  const gone = await t.throwsAsync(cluster.kv.put(a, 'cas', 'three', { ifVersion: second.version }), { instanceOf: ChordError });
  t.is(gone?.details.version, null, 'a deleted key has no live version');
  t.is((await cluster.kv.put(b, 'cas', 'back', { ifAbsent: true })).value, 'back');
});

test('an eventual ring refuses compare-and-set with a clear error and writes nothing', async (t) => {
  const cluster = await TestCluster.start(2, { k: 2, consistency: 'eventual' });
  t.teardown(() => cluster.teardown());
  const err = await t.throwsAsync(cluster.kv.put(cluster.nodes[0].address, 'maybe', 'x', { ifAbsent: true }), { instanceOf: ChordError });
  t.is(err?.code, 'CONDITIONAL_WRITE_UNSUPPORTED');
  t.is(err?.status, 400);
  t.regex(err?.message ?? '', /linearizable/);
  await t.throwsAsync(cluster.kv.get(cluster.nodes[1].address, 'maybe'), { message: /no value/ });
});

test('a compare-and-set whose chain fails after the head applied it answers the failure, not a mismatch with itself', async (t) => {
  const cluster = await TestCluster.start(3, { k: 2, transport: 'memory' });
  t.teardown(() => cluster.teardown());
  const key = 'cut chain';
  const ring = cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }));
  const [head, next] = replicaSet(hashId(key), ring, 2).map((m) => cluster.nodes.find((n) => n.address === m.address)!);
  const first = await cluster.kv.put(head.address, key, 'one');
  cluster.partition(head, next);
  const err = await t.throwsAsync(cluster.kv.put(head.address, key, 'two', { ifVersion: first.version }), { instanceOf: ChordError });
  t.true(['PEER_UNREACHABLE', 'PEER_TIMEOUT'].includes(err.code), `${err.code}: ${err.message}`);
});

test('malformed conditions are refused before anything is written', async (t) => {
  const cluster = await TestCluster.start(1, { k: 1 });
  t.teardown(() => cluster.teardown());
  const address = cluster.nodes[0].address;
  for (const body of [{ value: 'x', ifVersion: 'one' }, { value: 'x', ifVersion: -1 }, { value: 'x', ifAbsent: 'yes' }, { value: 'x', ifVersion: 1, ifAbsent: true }]) {
    const response = await fetch(`http://${address}/kv/malformed`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    t.is(response.status, 400, JSON.stringify(body));
  }
  await t.throwsAsync(cluster.kv.get(address, 'malformed'), { message: /no value/ });
});
