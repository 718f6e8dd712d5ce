/**
 * The RPC handler table and the in-memory network: every declared call is served, each
 * mode registers its own, and the network behaves like the wire (errors, secret, cuts, deadlines).
 */
import test from 'ava';
import { ChordError } from '../../common/errors.js';
import { testConfig } from '../../node/config.js';
import * as maintenanceCalls from '../../node/rpc/maintenance.js';
import { MemoryNetwork } from '../../node/rpc/memory-network.js';
import * as membershipCalls from '../../node/rpc/membership.js';
import * as merkleCalls from '../../node/rpc/merkle.js';
import * as replicationCalls from '../../node/rpc/replication.js';
import * as routingCalls from '../../node/rpc/routing.js';
import { RpcServer } from '../../node/rpc/server.js';
import { defineRpc, handle, RpcClient, type RpcSpec } from '../../node/rpc/spec.js';
import { startNode } from '../../node/start.js';

/** Every call declared in node/rpc/, found by shape rather than by a list kept by hand. */
const declared = [routingCalls, membershipCalls, maintenanceCalls, replicationCalls, merkleCalls]
  .flatMap((module): unknown[] => Object.values(module))
  .filter((value): value is RpcSpec<unknown, unknown> => typeof value === 'object' && value !== null && 'path' in value && 'parse' in value);

for (const consistency of ['linearizable', 'eventual'] as const) {
  test(`${consistency} mode: a node serves every declared call once, chain calls only when chained`, async (t) => {
    const running = await startNode(testConfig({ consistency }));
    t.teardown(() => running.stop());
    const served = running.node.rpcServer.paths.sort();
    const chainOnly = [replicationCalls.chain.path, replicationCalls.read.path, replicationCalls.writeIds.path];
    const want = declared.map((spec) => spec.path).filter((path) => consistency === 'linearizable' || !chainOnly.includes(path)).sort();
    t.deepEqual(served, want);
    t.is(new Set(declared.map((spec) => spec.path)).size, declared.length, 'two declarations share a path');
  });
}

test('a joiner adopts the ring\'s mode and swaps in that mode\'s handlers', async (t) => {
  const network = new MemoryNetwork();
  const first = await startNode(testConfig({ consistency: 'eventual', k: 2 }), { network });
  t.teardown(() => first.stop());
  const joiner = await startNode(testConfig({ consistency: 'linearizable', contact: first.address }), { network });
  t.teardown(() => joiner.stop());
  t.is(joiner.node.settings.mode, 'eventual');
  t.is(joiner.node.settings.k, 2);
  t.false(joiner.node.rpcServer.paths.includes(replicationCalls.chain.path));
});

const echo = defineRpc<{ text: string }, { text: string }>({
  method: 'POST',
  path: '/rpc/echo',
  parse: (body) => ({ text: String((body as { text?: unknown }).text) }),
});
const fail = defineRpc<Record<string, never>, never>({ method: 'POST', path: '/rpc/fail', parse: () => ({}) });
const boom = defineRpc<Record<string, never>, never>({ method: 'POST', path: '/rpc/boom', parse: () => ({}) });

function twoEnds(secret?: string) {
  const network = new MemoryNetwork();
  const server = new RpcServer();
  server.register([
    handle(echo, (request) => ({ text: request.text })),
    handle(fail, () => { throw new ChordError('KEY_NOT_FOUND', 'nothing here', { peer: 'b:2' }); }),
    handle(boom, () => { throw new Error('a bug'); }),
  ]);
  network.attach('b:2', server, secret);
  const client = (presented?: string, timeoutMs = 1000) => new RpcClient(network.transport('a:1', { timeoutMs, secret: presented }));
  return { network, client };
}

const codeOf = async (call: Promise<unknown>) => {
  try {
    await call;
    return 'answered';
  } catch (err) {
    return err instanceof ChordError ? `${err.code} ${err.status}${err.peer ? ` ${err.peer}` : ''}` : `not a ChordError: ${String(err)}`;
  }
};

test('the in-memory network answers like the wire: copies, coded errors, internal errors hidden', async (t) => {
  const { client } = twoEnds();
  const request = { text: 'hello' };
  const answer = await client().call(echo, 'b:2', request);
  t.deepEqual(answer, { text: 'hello' });
  t.is(await codeOf(client().call(fail, 'b:2', {})), 'KEY_NOT_FOUND 404 b:2');
  t.is(await codeOf(client().call(boom, 'b:2', {})), 'INTERNAL 500');
  t.is(await codeOf(client().call(defineRpc({ method: 'POST', path: '/rpc/nope', parse: () => ({}) }), 'b:2', {})), 'NOT_FOUND 404');
  t.is(await codeOf(client().call(echo, 'c:3', request)), 'PEER_UNREACHABLE 503 c:3');
});

test('the in-memory network cuts links both ways, heals them, and enforces deadlines on delayed calls', async (t) => {
  const { network, client } = twoEnds();
  network.partition('b:2', 'a:1');
  t.is(await codeOf(client().call(echo, 'b:2', { text: 'x' })), 'PEER_UNREACHABLE 503 b:2');
  network.heal();
  t.is(await codeOf(client().call(echo, 'b:2', { text: 'x' })), 'answered');
  network.delay(100);
  t.is(await codeOf(client(undefined, 50).call(echo, 'b:2', { text: 'x' })), 'PEER_TIMEOUT 504 b:2');
  t.is(await codeOf(client(undefined, 1000).call(echo, 'b:2', { text: 'x' })), 'answered');
});

test('the in-memory network checks the cluster secret at the same door as HTTP', async (t) => {
  const { client } = twoEnds('s3cret');
  t.is(await codeOf(client().call(echo, 'b:2', { text: 'x' })), 'UNAUTHORIZED 401');
  t.is(await codeOf(client('wrong').call(echo, 'b:2', { text: 'x' })), 'UNAUTHORIZED 401');
  t.is(await codeOf(client('s3cret').call(echo, 'b:2', { text: 'x' })), 'answered');
});
