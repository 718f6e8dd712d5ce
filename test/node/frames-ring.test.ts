/**
 * Real nodes calling each other over frames: a ring with a secret serves and survives a crash,
 * nodes on either transport share a ring, and a node's refusals and errors read the same
 * whichever transport carried the call.
 */
import test from 'ava';
import { ChordError } from '../../common/errors.js';
import { createTransport, type Transport } from '../../common/transport.js';
import { testConfig } from '../../node/config.js';
import { startNode } from '../../node/start.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

const keys = Array.from({ length: 30 }, (_, i) => `frame-key-${i}`);

test('a linearizable ring with a secret serves every key over frames, and keeps serving after a node crashes', async (t) => {
  const cluster = await TestCluster.start(4, { k: 3, config: { peerTransport: 'frames', secret: 'ring-secret' } });
  t.teardown(() => cluster.teardown());
  for (const key of keys) await cluster.kv.put(cluster.random().address, key, `v-${key}`);
  for (const key of keys) t.is((await cluster.kv.get(cluster.random().address, key)).value, `v-${key}`);
  // The crashed node's connections drop: calls to it fail as unreachable and the ring routes around it.
  await cluster.crash(cluster.nodes[1]);
  const readable = await waitFor(async () => {
    try {
      for (const key of keys) await cluster.kv.get(cluster.random().address, key);
      return true;
    } catch {
      return false;
    }
  }, 20_000, 200);
  t.true(readable, 'every key readable after the crash');
  for (const key of keys) t.is((await cluster.kv.get(cluster.random().address, key)).value, `v-${key}`);
});

test('nodes calling over frames and over HTTP share one ring', async (t) => {
  const cluster = await TestCluster.start(2, { k: 2, config: { peerTransport: 'frames' } });
  t.teardown(() => cluster.teardown());
  const viaHttp = await startNode(testConfig({ contact: cluster.nodes[0].address, peerTransport: 'http' }));
  cluster.nodes.push(viaHttp);
  for (const key of keys) await cluster.kv.put(cluster.random().address, key, key.toUpperCase());
  for (const node of cluster.nodes) {
    for (const key of keys) t.is((await cluster.kv.get(node.address, key)).value, key.toUpperCase());
  }
});

/** The fields of a ChordError a caller can act on (anything else as it is, for the assertion to show). */
const shape = (err: unknown) => {
  if (!(err instanceof ChordError)) return err;
  const { code, status, message, peer, details } = err;
  return { code, status, message, peer, details };
};

async function failure(transport: Transport, address: string, method: 'GET' | 'POST', path: string): Promise<unknown> {
  return transport.call(address, method, path, method === 'POST' ? {} : undefined).then(() => undefined, (err: unknown) => err);
}

test('a node refuses a wrong secret, an unknown call and a wrong method with the same errors over frames as over HTTP', async (t) => {
  const running = await startNode(testConfig({ secret: 'right' }));
  t.teardown(() => running.stop());
  const transports = (secret: string) => ({
    http: createTransport({ timeoutMs: 5000, secret }),
    frames: createTransport({ timeoutMs: 5000, secret, transport: 'frames' }),
  });
  const wrong = transports('wrong');
  const right = transports('right');
  t.teardown(() => [wrong, right].forEach((pair) => { pair.http.close(); pair.frames.close(); }));
  const cases: Array<[Record<'http' | 'frames', Transport>, 'GET' | 'POST', string, string]> = [
    [wrong, 'GET', '/rpc/state', 'UNAUTHORIZED'],
    [right, 'GET', '/rpc/no-such-call', 'NOT_FOUND'],
    [right, 'GET', '/rpc/notify', 'METHOD_NOT_ALLOWED'],
    [right, 'POST', '/rpc/notify', 'INVALID_REQUEST'],
  ];
  for (const [pair, method, path, code] of cases) {
    const overHttp = shape(await failure(pair.http, running.address, method, path));
    const overFrames = shape(await failure(pair.frames, running.address, method, path));
    t.like(overHttp, { code }, `${method} ${path}`);
    t.deepEqual(overFrames, overHttp, `${method} ${path}`);
  }
});
