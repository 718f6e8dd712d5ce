/**
 * Structured logs and request ids: every line is one JSON object naming the node; a public
 * request gets an id (the client's, when usable) that is echoed in x-request-id, travels on
 * the node-to-node calls made for it (over HTTP and over the in-memory network alike), and
 * is on every line written while serving it, on each node it reaches.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { createLogger, type LogDestination } from '../../common/log.js';
import { createTransport } from '../../common/transport.js';
import { hashId, idToHex, replicaSet } from '../../common/ring.js';
import { testConfig } from '../../node/config.js';
import { MemoryNetwork } from '../../node/rpc/memory-network.js';
import { startNode, type RunningNode } from '../../node/start.js';
import { waitFor } from '../helpers/cluster.js';

interface Line {
  level: string;
  time: string;
  msg: string;
  node: string;
  id: string;
  reqId?: string;
  [field: string]: unknown;
}

/** Collects the lines a logger writes. */
class Captured implements LogDestination {
  readonly text: string[] = [];
  write(chunk: string): void {
    this.text.push(chunk);
  }

  get lines(): Line[] {
    return this.text.join('').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as Line);
  }
}

test('a line is one JSON object with node, id, level, time and msg, and the fields given', (t) => {
  const out = new Captured();
  const log = createLogger('127.0.0.1:5000', 'debug', { id: 'abc123', pretty: false, destination: out });
  log.warn('predecessor 127.0.0.1:5001 is unreachable', { peer: '127.0.0.1:5001' });
  log.debug('plain');
  t.is(out.text.length, 2);
  t.true(out.text.every((chunk) => chunk.endsWith('\n') && chunk.indexOf('\n') === chunk.length - 1), 'one line per write');
  const [warn, debug] = out.lines;
  t.like(warn, { level: 'warn', node: '127.0.0.1:5000', id: 'abc123', msg: 'predecessor 127.0.0.1:5001 is unreachable', peer: '127.0.0.1:5001' });
  t.false(Number.isNaN(Date.parse(warn.time)), warn.time);
  t.is(warn.reqId, undefined, 'no request, no request id');
  t.like(debug, { level: 'debug', msg: 'plain' });
});

test('lines below the level are dropped; silent writes nothing', (t) => {
  const out = new Captured();
  createLogger('n', 'warn', { pretty: false, destination: out }).info('dropped');
  createLogger('n', 'silent', { pretty: false, destination: out }).error('dropped too');
  t.deepEqual(out.text, []);
});

interface Pair {
  a: RunningNode;
  b: RunningNode;
  logs: Map<string, Captured>;
}

/** Two nodes logging at debug into captured streams; B joins through A. */
async function startPair(t: ExecutionContext, network?: MemoryNetwork): Promise<Pair> {
  const logs = new Map<string, Captured>();
  const started: RunningNode[] = [];
  t.teardown(async () => { await Promise.all(started.map((n) => n.stop())); });
  const start = async (contact?: string) => {
    const out = new Captured();
    const node = await startNode(testConfig({ logLevel: 'debug', logPretty: false, contact }), { network, logDestination: out });
    started.push(node);
    logs.set(node.address, out);
    return node;
  };
  const a = await start();
  const b = await start(a.address);
  // Both see the other as successor: A forwards what B owns.
  await waitFor(() => a.node.routing.successors[0]?.address === b.address && b.node.routing.successors[0]?.address === a.address);
  return { a, b, logs };
}

/** A key the ring places on `owner`. */
function keyOwnedBy(pair: Pair, owner: RunningNode): string {
  const ring = [pair.a, pair.b].map((n) => ({ id: hashId(n.address), address: n.address }));
  for (let i = 0; ; i++) {
    const key = `song-${i}`;
    if (replicaSet(hashId(key), ring, 1)[0].address === owner.address) return key;
  }
}

async function put(address: string, key: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`http://${address}/kv/${encodeURIComponent(key)}`, {
    method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ value: 'v' }),
  });
}

for (const transport of ['http', 'memory'] as const) {
  test.serial(`over ${transport}: one request id in the response header and in the log lines of both nodes it reached`, async (t) => {
    const pair = await startPair(t, transport === 'memory' ? new MemoryNetwork() : undefined);
    const { a, b, logs } = pair;
    const key = keyOwnedBy(pair, b);
    const response = await put(a.address, key);
    t.is(response.status, 200, await response.text());
    const reqId = response.headers.get('x-request-id');
    t.regex(reqId ?? '', /^[0-9a-f]{14,}$/);

    const linesOf = (node: RunningNode) => logs.get(node.address)!.lines.filter((line) => line.reqId === reqId);
    const atA = linesOf(a);
    const atB = linesOf(b);
    t.true(atA.some((line) => line.msg.startsWith('forwarding put') && line.peer === b.address), JSON.stringify(atA));
    t.true(atB.some((line) => line.msg.startsWith('routed put') && line.key === key), JSON.stringify(atB));
    if (transport === 'http') t.true(atB.some((line) => line.msg === 'POST /rpc/op 200'), 'B logged the call it served under the same id');
    for (const [node, lines] of [[a, atA], [b, atB]] as const) {
      for (const line of lines) t.like(line, { node: node.address, id: idToHex(hashId(node.address)) });
    }
    // Maintenance runs under no request: its lines carry no id.
    t.true(logs.get(a.address)!.lines.some((line) => line.reqId === undefined));
  });
}

test.serial('a client\'s usable x-request-id is kept and passed on; an unusable one is replaced', async (t) => {
  const pair = await startPair(t);
  const { a, b, logs } = pair;
  const key = keyOwnedBy(pair, b);

  const mine = 'client-7f3a:retry/2';
  const kept = await put(a.address, key, { 'x-request-id': mine });
  t.is(kept.status, 200);
  t.is(kept.headers.get('x-request-id'), mine);
  t.true(logs.get(b.address)!.lines.some((line) => line.reqId === mine && line.msg.startsWith('routed put')));

  for (const bad of ['has a space', 'x'.repeat(129), 'caf\u00e9']) {
    const response = await fetch(`http://${a.address}/health`, { headers: { 'x-request-id': bad } });
    t.is(response.status, 200);
    const given = response.headers.get('x-request-id') ?? '';
    t.not(given, bad);
    t.regex(given, /^[0-9a-f]{14,}$/, `${JSON.stringify(bad)} was replaced`);
  }
  const longest = 'y'.repeat(128);
  t.is((await fetch(`http://${a.address}/health`, { headers: { 'x-request-id': longest } })).headers.get('x-request-id'), longest);
});

test('both HTTP transports send the request id they are given beside the secret, and none without one', async (t) => {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ secret: req.headers['x-chordkv-secret'] ?? null, reqId: req.headers['x-request-id'] ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { server.close(); });
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const kind of ['http', 'got'] as const) {
    const transport = createTransport({ timeoutMs: 2000, secret: 's3cret', transport: kind });
    t.deepEqual(await transport.call(address, 'POST', '/rpc/x', { a: 1 }, undefined, 'abc'), { secret: 's3cret', reqId: 'abc' }, kind);
    t.deepEqual(await transport.call(address, 'GET', '/rpc/x', undefined, undefined, 'abc'), { secret: 's3cret', reqId: 'abc' }, kind);
    t.deepEqual(await transport.call(address, 'GET', '/rpc/x'), { secret: 's3cret', reqId: null }, kind);
    transport.close();
  }
});

test.serial('a watch\'s request id goes with the polls its node makes at the key\'s owner', async (t) => {
  const pair = await startPair(t);
  const { a, b, logs } = pair;
  const key = keyOwnedBy(pair, b);
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  const response = await fetch(`http://${a.address}/watch/${encodeURIComponent(key)}`, { signal: abort.signal, headers: { 'x-request-id': 'watch-1' } });
  t.is(response.headers.get('x-request-id'), 'watch-1');
  await put(a.address, key);
  // The poll at B answers once the write is acknowledged; B logs the call it served.
  const served = await waitFor(() => logs.get(b.address)!.lines.find((line) => line.msg === 'POST /rpc/watch 200' && line.reqId === 'watch-1'));
  t.truthy(served, JSON.stringify(logs.get(b.address)!.lines.filter((line) => line.msg.includes('/rpc/watch'))));
  abort.abort();
  await response.body?.cancel().catch(() => undefined);
});
