/** Forward batching: the operations forwarded to one next hop in one turn of the loop leave as one call; each answers or fails on its own. */
import test from 'ava';
import { ChordError, PeerUnreachable } from '../../common/errors.js';
import type { OpAnswer } from '../../common/wire.js';
import { ForwardBatcher } from '../../node/forward-batch.js';
import { routingHandlers, type ForwardItem, type ForwardResult, type OpRequest } from '../../node/rpc/routing.js';
import type { RpcClient } from '../../node/rpc/spec.js';
import { TestCluster, waitFor } from '../helpers/cluster.js';

interface Sent { path: string; address: string; body: unknown; requestId?: string }

/** An RpcClient stand-in: records each call; `answer` decides it. */
function stubRpc(answer: (sent: Sent) => unknown) {
  const sent: Sent[] = [];
  const rpc: Pick<RpcClient, 'call'> = {
    call: (async (spec: { path: string }, address: string, body: unknown, requestId?: string) => {
      const call = { path: spec.path, address, body, requestId };
      sent.push(call);
      const result = answer(call);
      if (result instanceof Error) throw result;
      return result;
    }) as RpcClient['call'],
  };
  return { rpc, sent };
}

const get = (key: string): OpRequest => ({ op: 'get', key, hops: 1 });
const answerOf = (key: string): OpAnswer => ({ key, value: `v-${key}`, node: 'n', hops: 1 } as unknown as OpAnswer);
/** Answers a batch item by item: a key starting with "missing" fails with KEY_NOT_FOUND naming a peer. */
const byItem = ({ path, body }: Sent) => {
  if (path === '/rpc/op') return answerOf((body as OpRequest).key);
  return {
    results: (body as { ops: ForwardItem[] }).ops.map(({ request }): ForwardResult => (request.key.startsWith('missing')
      ? { status: 404, body: new ChordError('KEY_NOT_FOUND', `no ${request.key}`, { peer: '10.0.0.7:1' }).toJSON() }
      : { answer: answerOf(request.key) })),
  };
};

test('operations forwarded to one node in one turn leave as one /rpc/ops call, in order; a lone one as /rpc/op', async (t) => {
  const { rpc, sent } = stubRpc(byItem);
  const batcher = new ForwardBatcher(rpc, 1000);
  const answers = await Promise.all([batcher.call('a:1', get('x')), batcher.call('a:1', get('y')), batcher.call('b:1', get('z')), batcher.call('a:1', get('w'))]);
  t.deepEqual(answers.map((a) => a.key), ['x', 'y', 'z', 'w']);
  t.deepEqual(sent.map((s) => [s.path, s.address]), [['/rpc/ops', 'a:1'], ['/rpc/op', 'b:1']]);
  t.deepEqual((sent[0].body as { ops: ForwardItem[] }).ops.map((item) => item.request.key), ['x', 'y', 'w']);
});

test('an operation that failed in a batch fails alone, with its code, status and peer; the others answer', async (t) => {
  const { rpc } = stubRpc(byItem);
  const batcher = new ForwardBatcher(rpc, 1000);
  const [found, missing] = await Promise.allSettled([batcher.call('a:1', get('here')), batcher.call('a:1', get('missing one'))]);
  t.is(found.status, 'fulfilled');
  t.is(missing.status, 'rejected');
  const error = (missing as PromiseRejectedResult).reason as ChordError;
  t.true(error instanceof ChordError);
  t.like(error, { code: 'KEY_NOT_FOUND', status: 404, peer: '10.0.0.7:1' });
});

test('a batch call that fails fails each of its operations with that same error (so each is routed around on its own)', async (t) => {
  const gone = new PeerUnreachable('a:1');
  const { rpc } = stubRpc(() => gone);
  const batcher = new ForwardBatcher(rpc, 1000);
  const results = await Promise.allSettled([batcher.call('a:1', get('x')), batcher.call('a:1', get('y'))]);
  t.deepEqual(results.map((r) => (r as PromiseRejectedResult).reason as unknown), [gone, gone]);
});

test('each operation carries the id of its own request; a long queue leaves in calls of at most maxBatch', async (t) => {
  const { rpc, sent } = stubRpc(byItem);
  const batcher = new ForwardBatcher(rpc, 2);
  await Promise.all(['r1', 'r2', 'r3', 'r4', 'r5'].map((id, i) => batcher.call('a:1', get(`k${i}`), id)));
  t.deepEqual(sent.map((s) => s.path), ['/rpc/ops', '/rpc/ops', '/rpc/op']);
  t.deepEqual(sent.slice(0, 2).flatMap((s) => (s.body as { ops: ForwardItem[] }).ops.map((item) => item.requestId)), ['r1', 'r2', 'r3', 'r4']);
  t.is(sent[2].requestId, 'r5', 'the lone call left the split under its own request id');
});

test('a batch is also cut by the bytes of its keys and values; an operation over the limit goes alone', async (t) => {
  const { rpc, sent } = stubRpc(byItem);
  const batcher = new ForwardBatcher(rpc, 1000, 100);
  const put = (key: string, size: number): OpRequest => ({ op: 'put', key, value: 'x'.repeat(size), hops: 1 });
  await Promise.all([put('a', 40), put('b', 40), put('c', 40), put('huge', 500), put('d', 10)].map((request) => batcher.call('a:1', request)));
  t.deepEqual(sent.map((s) => (s.path === '/rpc/op' ? [(s.body as OpRequest).key] : (s.body as { ops: ForwardItem[] }).ops.map((item) => item.request.key))), [['a', 'b'], ['c'], ['huge'], ['d']]);
});

test('a peer that does not know /rpc/ops (an older node) gets the operations one call each, from then on', async (t) => {
  const { rpc, sent } = stubRpc((call) => (call.path === '/rpc/ops' ? new ChordError('NOT_FOUND', 'no route for POST /rpc/ops') : byItem(call)));
  const batcher = new ForwardBatcher(rpc, 1000);
  t.deepEqual((await Promise.all([batcher.call('old:1', get('x')), batcher.call('old:1', get('y'))])).map((a) => a.key), ['x', 'y']);
  t.deepEqual((await Promise.all([batcher.call('old:1', get('z')), batcher.call('old:1', get('w'))])).map((a) => a.key), ['z', 'w']);
  t.deepEqual(sent.map((s) => s.path), ['/rpc/ops', '/rpc/op', '/rpc/op', '/rpc/op', '/rpc/op']);
});

test('the receiver answers a slow operation PEER_TIMEOUT (naming itself) at its deadline, and an unexpected failure INTERNAL, without holding the others', async (t) => {
  const unexpected: unknown[] = [];
  const service = {
    route: (request: OpRequest) => (request.key === 'slow' ? new Promise<OpAnswer>(() => undefined)
      : request.key === 'bug' ? Promise.reject(new TypeError('x is undefined'))
        : Promise.resolve(answerOf(request.key))),
    findSuccessor: () => Promise.reject(new Error('unused')),
    batch: () => Promise.reject(new Error('unused')),
  };
  const handler = routingHandlers(service, { self: 'me:1', deadlineMs: 50, onUnexpected: (err) => unexpected.push(err) }).find((h) => h.spec.path === '/rpc/ops')!;
  const { results } = await handler.serve({ ops: [{ request: get('fast') }, { request: get('slow') }, { request: get('bug') }] }) as { results: ForwardResult[] };
  t.like(results[0], { answer: { key: 'fast' } });
  t.like(results[1], { status: 504, body: { error: { code: 'PEER_TIMEOUT', peer: 'me:1' } } });
  t.like(results[2], { status: 500, body: { error: { code: 'INTERNAL' } } });
  t.false(JSON.stringify(results[2]).includes('x is undefined'), 'details of an unexpected failure stay in the log');
  t.is(unexpected.length, 1);
});

test('a node runs the operations of /rpc/ops at once, each as if it came alone, and answers each in its place', async (t) => {
  const cluster = await TestCluster.start(1, { k: 1 });
  t.teardown(() => cluster.teardown());
  const node = cluster.nodes[0].address;
  await cluster.kv.put(node, 'there', 'v1');
  const reply = await fetch(`http://${node}/rpc/ops`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ops: [
      { request: { op: 'put', key: 'new', value: 'v2', hops: 1, id: 'w-1' }, requestId: 'req-a' },
      { request: { op: 'get', key: 'there', hops: 1 } },
      { request: { op: 'get', key: 'absent', hops: 1 } },
    ] }),
  });
  t.is(reply.status, 200);
  const { results } = await reply.json() as { results: ForwardResult[] };
  t.is(results.length, 3);
  t.like(results[0], { answer: { key: 'new', value: 'v2' } });
  t.like(results[1], { answer: { key: 'there', value: 'v1' } });
  t.like(results[2], { status: 404, body: { error: { code: 'KEY_NOT_FOUND' } } });
  t.is((await cluster.kv.get(node, 'new')).value, 'v2');
});

test('in a ring, requests entering one node at once are forwarded in shared calls, and every write lands', async (t) => {
  const cluster = await TestCluster.start(4, { k: 1, config: { metrics: true } });
  t.teardown(() => cluster.teardown());
  const entry = cluster.nodes[0].address;
  const keys = Array.from({ length: 60 }, (_, i) => `together ${i}`);
  const sharedCalls = async () => {
    const metrics = await (await fetch(`http://${entry}/metrics`)).text();
    return [...metrics.matchAll(/^chordkv_rpc_calls_total\{call="\/rpc\/ops"[^}]*outcome="ok"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };
  // Whether requests share a call depends on how many arrive in one turn of the entry's loop:
  // rounds of 60 at once over warm connections, until one did.
  let round = 0;
  const shared = await waitFor(async () => {
    round++;
    const answers = await Promise.all(keys.map((key) => cluster.kv.put(entry, key, `v${round} ${key}`)));
    t.true(answers.some((a) => a.hops > 0), 'no write was forwarded');
    await Promise.all(keys.map((key) => cluster.kv.get(entry, key)));
    return (await sharedCalls()) > 0;
  }, 20_000, 0);
  t.true(shared, `no /rpc/ops call was made in ${round} rounds`);
  for (const key of keys) t.is((await cluster.kv.get(cluster.random().address, key)).value, `v${round} ${key}`);
});
