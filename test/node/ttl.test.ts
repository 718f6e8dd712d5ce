/** Times to live: a pair reads as absent once its time runs out, and its head removes it from every replica. */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChordError } from '../../common/errors.js';
import type { Consistency } from '../../common/wire.js';
import { testConfig } from '../../node/config.js';
import { items } from '../../node/rpc/replication.js';
import { RpcClient } from '../../node/rpc/spec.js';
import { startNode, type RunningNode } from '../../node/start.js';
import { createTransport } from '../../common/transport.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';
import { closedPort } from '../helpers/processes.js';

const absent = (call: Promise<unknown>) => call.then(() => false, (err: ChordError) => err.code === 'KEY_NOT_FOUND');

/** What every node holds for `key`: its value (null for a tombstone) or undefined where it holds nothing. */
async function holdings(nodes: RunningNode[], key: string): Promise<(string | null | undefined)[]> {
  const transport = createTransport({ timeoutMs: 5000 });
  try {
    const rpc = new RpcClient(transport);
    return await Promise.all(nodes.map(async (n) => (await rpc.call(items, n.address, undefined)).items.find((i) => i.key === key)?.value));
  } finally {
    transport.close();
  }
}

for (const consistency of ['linearizable', 'eventual'] as Consistency[]) {
  test(`${consistency}: a pair written with ttlMs reads as absent after it, and every replica ends with a tombstone`, async (t) => {
    const cluster = await TestCluster.start(3, { k: 3, consistency });
    t.teardown(() => cluster.teardown());
    const [a, b, c] = cluster.nodes.map((n) => n.address);
    const before = Date.now();
    const put = await cluster.kv.put(a, 'short-lived', 'soon gone', { ttlMs: 600 });
    t.true(put.expiresAt! >= before + 600 && put.expiresAt! <= Date.now() + 600, `expiresAt ${put.expiresAt}`);
    await cluster.kv.put(a, 'long-lived', 'stays');
    t.is((await cluster.kv.get(b, 'short-lived')).expiresAt, put.expiresAt);
    t.true(await waitFor(() => absent(cluster.kv.get(c, 'short-lived')), 5000), 'still readable after its time');
    t.true(await waitFor(async () => (await holdings(cluster.nodes, 'short-lived')).every((v) => v === null), 5000),
      `holdings: ${JSON.stringify(await holdings(cluster.nodes, 'short-lived'))}`);
    t.is((await cluster.kv.get(b, 'long-lived')).value, 'stays');
    t.false((await cluster.kv.all(a)).nodes.some((n) => n.items.some((i) => i.key === 'short-lived')));
  });
}

test('overwriting without ttlMs keeps the pair; ifAbsent treats an expired pair as absent', async (t) => {
  const cluster = await TestCluster.start(2, { k: 2 });
  t.teardown(() => cluster.teardown());
  const [a, b] = cluster.nodes.map((n) => n.address);
  await cluster.kv.put(a, 'renewed', 'first', { ttlMs: 300 });
  const plain = await cluster.kv.put(b, 'renewed', 'second');
  t.is(plain.expiresAt, undefined);
  await cluster.kv.put(a, 'lapsing', 'x', { ttlMs: 200 });
  t.true(await waitFor(() => absent(cluster.kv.get(b, 'lapsing')), 5000));
  t.is((await cluster.kv.get(b, 'renewed')).value, 'second', 'a renewed pair expired with its old time');
  t.is((await cluster.kv.put(a, 'lapsing', 'again', { ifAbsent: true })).value, 'again');
  await t.throwsAsync(cluster.kv.delete(a, 'never-there'), { message: /no value/ });
});

test('a bad ttlMs is refused and nothing is written', async (t) => {
  const cluster = await TestCluster.start(1);
  t.teardown(() => cluster.teardown());
  const address = cluster.nodes[0].address;
  for (const ttlMs of [0, -5, 1.5, 'soon', 10 ** 13]) {
    const response = await fetch(`http://${address}/kv/bad-ttl`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 'x', ttlMs }) });
    t.is(response.status, 400, String(ttlMs));
  }
  t.true(await absent(cluster.kv.get(address, 'bad-ttl')));
});

test('an expiry survives a restart of the node that holds the pair', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'chordkv-ttl-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const config = testConfig({ port: await closedPort(), dataDir: join(dir, 'node'), memory: false });
  let node = await startNode(config);
  t.teardown(() => node.stop());
  const put = await node.node.put('restarted', 'lasts a while', { ttlMs: 1500 });
  await node.stop();
  node = await startNode(config);
  const read = await node.node.get('restarted');
  const expiry = (answer: object) => ('expiresAt' in answer ? answer.expiresAt : undefined);
  t.is(expiry(read), expiry(put), 'the expiry was lost in the restart');
  t.is(typeof expiry(put), 'number');
  t.true(await waitFor(() => absent(node.node.get('restarted')), 10_000));
  t.true(await waitFor(async () => (await holdings([node], 'restarted'))[0] === null, 5000), 'no tombstone after the restart');
});
