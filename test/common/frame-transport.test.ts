/**
 * The frame transport against a frame server on a plain HTTP server: many calls in flight on
 * one connection answered out of order, one socket write per loop turn each way, the secret
 * handshake, deadlines, a lost connection, bounded queues, and errors that arrive as the
 * same ChordErrors as over HTTP.
 */
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { ChordError, KeyNotFound, VersionMismatch } from '../../common/errors.js';
import { FrameTransport, type FrameOptions } from '../../common/frame-transport.js';
import { createTransport } from '../../common/transport.js';
import { atTurnEnd } from '../../common/turn-end.js';
import { FrameServer, type Dispatch, type FrameServerOptions } from '../../node/rpc/frame-server.js';
import { waitFor } from '../helpers/cluster.js';

interface Served {
  address: string;
  frames: FrameServer;
  /** Frame connections opened so far. */
  upgrades(): number;
}

/** A frame server on port 0 that answers with `dispatch`; it and every socket close at the test's end. */
async function serve(t: ExecutionContext, dispatch: Dispatch, options: Partial<FrameServerOptions> = {}): Promise<Served> {
  const frames = new FrameServer({ dispatch, ...options });
  const server = http.createServer((_req, res) => res.end());
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let upgrades = 0;
  server.on('upgrade', (req, socket, head) => {
    upgrades++;
    frames.upgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.close();
    for (const socket of sockets) socket.destroy();
  });
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, frames, upgrades: () => upgrades };
}

function client(t: ExecutionContext, options: Partial<FrameOptions> = {}): FrameTransport {
  const transport = new FrameTransport({ timeoutMs: 5000, ...options });
  t.teardown(() => transport.close());
  return transport;
}

/** A handler that answers only when the test lets it: `started` counts calls it holds. */
function gate() {
  const waiting: Array<() => void> = [];
  let started = 0;
  let active = 0;
  let maxActive = 0;
  const dispatch: Dispatch = async (_method, path) => {
    started++;
    maxActive = Math.max(maxActive, ++active);
    await new Promise<void>((resolve) => waiting.push(resolve));
    active--;
    return { path };
  };
  return {
    dispatch,
    get started() { return started; },
    get maxActive() { return maxActive; },
    get waiting() { return waiting.length; },
    releaseAll: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

test('many calls share one connection and each gets its own answer, in whatever order they finish', async (t) => {
  const finished: number[] = [];
  const { address } = await serve(t, async (_method, path, body) => {
    const n = (body as { n: number }).n;
    // Later calls finish first: the answers come back in reverse.
    await new Promise((resolve) => setTimeout(resolve, 2 * (200 - n)));
    finished.push(n);
    return { n, path };
  });
  const transport = client(t);
  const answers = await Promise.all(Array.from({ length: 200 }, (_, n) => transport.call(address, 'POST', `/rpc/echo/${n}`, { n })));
  t.deepEqual(answers, Array.from({ length: 200 }, (_, n) => ({ n, path: `/rpc/echo/${n}` })));
  t.notDeepEqual(finished, [...finished].sort((a, b) => a - b), 'the server finished them out of order');
});

test('the calls of one loop turn leave in one socket write, and their answers come back in one', async (t) => {
  const served = await serve(t, async (_method, _path, body) => body);
  const transport = client(t);
  await transport.call(served.address, 'POST', '/rpc/warm', { n: -1 });
  const [clientBefore, serverBefore] = [transport.writes, served.frames.writes];
  const answers = await Promise.all(Array.from({ length: 100 }, (_, n) => transport.call(served.address, 'POST', '/rpc/echo', { n })));
  t.is(answers.length, 100);
  t.is(transport.writes - clientBefore, 1, 'client writes for 100 calls');
  t.is(served.frames.writes - serverBefore, 1, 'server writes for 100 answers');
});

test('the path reaches dispatch verbatim, GET bodies are dropped, and the request id travels with the call', async (t) => {
  const { address } = await serve(t, async (method, path, body, requestId) => ({ method, path, body: body ?? null, reqId: requestId ?? null }));
  const transport = client(t);
  t.deepEqual(await transport.call(address, 'POST', '/rpc/vnode/3/state', { a: 1 }, undefined, 'abc123'),
    { method: 'POST', path: '/rpc/vnode/3/state', body: { a: 1 }, reqId: 'abc123' });
  t.deepEqual(await transport.call(address, 'GET', '/rpc/ping', { ignored: true }), { method: 'GET', path: '/rpc/ping', body: null, reqId: null });
});

test('a wrong secret is refused at the handshake with the UNAUTHORIZED error the HTTP path gives', async (t) => {
  const { address } = await serve(t, async () => ({ ok: true }), { secret: 'right' });
  const error = await t.throwsAsync(client(t, { secret: 'wrong' }).call(address, 'GET', '/rpc/ping'), { instanceOf: ChordError });
  t.like(error, { code: 'UNAUTHORIZED', status: 401, message: 'this call needs the cluster secret' });
  await t.throwsAsync(client(t).call(address, 'GET', '/rpc/ping'), { instanceOf: ChordError, message: 'this call needs the cluster secret' });
  t.deepEqual(await client(t, { secret: 'right' }).call(address, 'GET', '/rpc/ping'), { ok: true });
});

test('a handler\'s ChordError arrives as the same ChordError, anything else as INTERNAL', async (t) => {
  const { address } = await serve(t, async (_method, path) => {
    if (path === '/rpc/missing') throw new KeyNotFound('k');
    if (path === '/rpc/cas') throw new VersionMismatch('k', 'v7', 'v6');
    throw new TypeError('a bug');
  });
  const transport = client(t);
  const missing = await t.throwsAsync(transport.call(address, 'GET', '/rpc/missing'), { instanceOf: ChordError });
  t.like(missing, { code: 'KEY_NOT_FOUND', status: 404, message: new KeyNotFound('k').message });
  const cas = await t.throwsAsync(transport.call(address, 'GET', '/rpc/cas'), { instanceOf: ChordError });
  t.like(cas, { code: 'VERSION_MISMATCH', status: 409, details: { version: 'v7' } });
  const bug = await t.throwsAsync(transport.call(address, 'GET', '/rpc/bug'), { instanceOf: ChordError });
  t.like(bug, { code: 'INTERNAL', status: 500, message: 'internal error; see the node log' });
});

test('a call past its deadline fails with PeerTimeout, and a connection that answered since goes on serving', async (t) => {
  const held = gate();
  const served = await serve(t, async (method, path, body) => (path === '/rpc/slow' ? held.dispatch(method, path, body) : { fast: true }));
  const { address } = served;
  const transport = client(t);
  const slow = transport.call(address, 'GET', '/rpc/slow', undefined, 300);
  t.deepEqual(await transport.call(address, 'GET', '/rpc/fast'), { fast: true });
  const error = await t.throwsAsync(slow, { instanceOf: ChordError });
  t.like(error, { code: 'PEER_TIMEOUT', peer: address });
  t.deepEqual(await transport.call(address, 'GET', '/rpc/fast'), { fast: true });
  t.is(served.upgrades(), 1, 'the connection was dialled again');
  held.releaseAll();
});

/** A TCP proxy in front of `target` whose open connections can be frozen (as a link that was down leaves them); new ones pass. */
async function freezableProxy(t: ExecutionContext, target: string) {
  const pairs: Array<[Socket, Socket]> = [];
  const server = net.createServer((incoming) => {
    const separator = target.lastIndexOf(':');
    const outgoing = net.connect(Number(target.slice(separator + 1)), target.slice(0, separator));
    incoming.pipe(outgoing).pipe(incoming);
    incoming.on('error', () => outgoing.destroy());
    outgoing.on('error', () => incoming.destroy());
    pairs.push([incoming, outgoing]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.close();
    for (const pair of pairs) for (const socket of pair) socket.destroy();
  });
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    freeze: () => {
      for (const [incoming, outgoing] of pairs.splice(0)) {
        incoming.unpipe(outgoing);
        outgoing.unpipe(incoming);
        incoming.pause();
        outgoing.pause();
        t.teardown(() => { incoming.destroy(); outgoing.destroy(); });
      }
    },
  };
}

test('a connection on which nothing came back since a call that timed out is not used again: the next call dials afresh', async (t) => {
  const { address } = await serve(t, async () => ({ ok: true }));
  const proxy = await freezableProxy(t, address);
  const transport = client(t, { timeoutMs: 200 });
  t.deepEqual(await transport.call(proxy.address, 'GET', '/rpc/ping'), { ok: true });
  proxy.freeze();
  await t.throwsAsync(transport.call(proxy.address, 'GET', '/rpc/ping'), { code: 'PEER_TIMEOUT' });
  // The connection is judged once this turn's reads are done (an answer may be waiting in it).
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(await transport.call(proxy.address, 'GET', '/rpc/ping'), { ok: true });
});

test('calls a stuck connection never wrote go on a fresh one when it is retired, keeping their deadlines', async (t) => {
  const { address } = await serve(t, async () => ({ ok: true }));
  const proxy = await freezableProxy(t, address);
  const transport = client(t, { socketHighWaterBytes: 1024, maxQueuedBytes: 64 * 1024 * 1024 });
  t.deepEqual(await transport.call(proxy.address, 'GET', '/rpc/ping'), { ok: true });
  proxy.freeze();
  const blob = 'x'.repeat(1024 * 1024);
  const outcome = (call: Promise<unknown>) => call.then(() => 'answered', (err: ChordError) => err.code);
  // Written into the frozen connection, more than the socket buffers hold; the first call's
  // timeout retires the connection (nothing came back since).
  const first = outcome(transport.call(proxy.address, 'POST', '/rpc/big', { blob }, 300));
  const written = Array.from({ length: 16 }, () => outcome(transport.call(proxy.address, 'POST', '/rpc/big', { blob }, 1500)));
  await new Promise((resolve) => setImmediate(resolve)); // after the turn's flush has written them
  // Made once the connection is backed up: these wait in its queue, never written.
  const queued = Array.from({ length: 4 }, () => outcome(transport.call(proxy.address, 'POST', '/rpc/small', { blob: 'x' }, 3000)));
  t.is(await first, 'PEER_TIMEOUT');
  t.deepEqual(await Promise.all(queued), ['answered', 'answered', 'answered', 'answered'], 'the calls never written went on a fresh connection');
  for (const o of await Promise.all(written)) t.is(o, 'PEER_TIMEOUT');
});

test('a body that cannot be encoded fails its call with BAD_REQUEST and leaves the connection serving', async (t) => {
  const { address } = await serve(t, async () => ({ ok: true }));
  const transport = client(t);
  await t.throwsAsync(transport.call(address, 'POST', '/rpc/odd', { n: 1n }), { instanceOf: ChordError, code: 'BAD_REQUEST' });
  t.deepEqual(await transport.call(address, 'GET', '/rpc/ping'), { ok: true });
});

test('a lost connection fails every call on it with PeerUnreachable, and the next call dials again', async (t) => {
  const held = gate();
  const served = await serve(t, async (method, path, body) => (path === '/rpc/held' ? held.dispatch(method, path, body) : { back: true }));
  const transport = client(t);
  const calls = Array.from({ length: 10 }, () => transport.call(served.address, 'GET', '/rpc/held'));
  await waitFor(() => held.started === 10);
  served.frames.close();
  const errors = await Promise.all(calls.map((call) => call.then(() => undefined, (err: unknown) => err)));
  for (const error of errors) t.like(error, { code: 'PEER_UNREACHABLE', peer: served.address });
  t.deepEqual(await transport.call(served.address, 'GET', '/rpc/again'), { back: true });
  held.releaseAll();
});

test('an unreachable peer fails the call with PeerUnreachable', async (t) => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise((resolve) => server.close(resolve));
  const error = await t.throwsAsync(client(t).call(address, 'GET', '/rpc/ping'), { instanceOf: ChordError });
  t.like(error, { code: 'PEER_UNREACHABLE', peer: address });
});

/** Lets held calls go, round by round, until `total` have reached the handler; at most 100 rounds. */
async function releaseUntil(held: ReturnType<typeof gate>, total: number): Promise<void> {
  for (let round = 0; held.started < total && round < 100; round++) {
    held.releaseAll();
    await waitFor(() => held.waiting > 0 || held.started >= total);
  }
  held.releaseAll();
}

test('a slow peer holds at most maxInFlight calls; a bounded queue waits behind them, and calls beyond it fail at once', async (t) => {
  const held = gate();
  const { address } = await serve(t, held.dispatch);
  const transport = client(t, { maxInFlight: 4, maxQueued: 8 });
  const settled = (call: Promise<unknown>) => call.then((answer) => answer, (err: unknown) => err);
  const first = Array.from({ length: 4 }, (_, n) => settled(transport.call(address, 'GET', `/rpc/n/${n}`)));
  await waitFor(() => held.started === 4);
  const more = Array.from({ length: 16 }, (_, n) => settled(transport.call(address, 'GET', `/rpc/n/${4 + n}`)));
  await turns(5);
  t.is(held.started, 4, 'no more than maxInFlight calls reach the peer');
  await releaseUntil(held, 12);
  const results = await Promise.all([...first, ...more]);
  t.deepEqual(results.slice(0, 12), Array.from({ length: 12 }, (_, n) => ({ path: `/rpc/n/${n}` })));
  for (const error of results.slice(12)) t.like(error, { code: 'PEER_OVERLOADED', peer: address });
  t.is(held.maxActive, 4, 'the peer never held more than four at once');
});

test('a call whose bytes would overflow the queue fails at once with PEER_OVERLOADED, smaller ones go through', async (t) => {
  const { address } = await serve(t, async (_method, _path, body) => body);
  const transport = client(t, { maxQueuedBytes: 1000 });
  const error = await t.throwsAsync(transport.call(address, 'POST', '/rpc/big', { blob: 'x'.repeat(2000) }), { instanceOf: ChordError });
  t.like(error, { code: 'PEER_OVERLOADED', status: 503, peer: address });
  t.deepEqual(await transport.call(address, 'POST', '/rpc/small', { blob: 'x' }), { blob: 'x' });
});

test('the server serves at most maxInFlight calls of a connection at once and reads no more until some finish', async (t) => {
  const held = gate();
  const { address } = await serve(t, held.dispatch, { maxInFlight: 5 });
  const transport = client(t, { maxInFlight: 1000 });
  const calls = Array.from({ length: 50 }, (_, n) => transport.call(address, 'GET', `/rpc/n/${n}`));
  await waitFor(() => held.started >= 5);
  await turns(5);
  t.is(held.started, 5);
  await releaseUntil(held, 50);
  t.is((await Promise.all(calls)).length, 50);
  t.is(held.maxActive, 5);
});

test('createTransport builds the frame transport for nodes on request', (t) => {
  const transport = createTransport({ timeoutMs: 1000, transport: 'frames' });
  t.true(transport instanceof FrameTransport);
  transport.close();
});

test('closing the transport also closes a connection it stopped using, failing the calls still on it at once', async (t) => {
  const { address } = await serve(t, async () => ({ ok: true }));
  const proxy = await freezableProxy(t, address);
  const transport = new FrameTransport({ timeoutMs: 200 });
  t.deepEqual(await transport.call(proxy.address, 'GET', '/rpc/ping'), { ok: true });
  proxy.freeze();
  const patient = transport.call(proxy.address, 'GET', '/rpc/ping', undefined, 60_000).then(() => 'answered', (err: ChordError) => err.code);
  await t.throwsAsync(transport.call(proxy.address, 'GET', '/rpc/ping'), { code: 'PEER_TIMEOUT' });
  await new Promise((resolve) => setImmediate(resolve));
  transport.close();
  t.is(await patient, 'PEER_UNREACHABLE');
});

test('a call made while work put off to the turn end runs (a forward batch flushing) is written in the same pass, not a turn later', async (t) => {
  const served = await serve(t, async (_method, _path, body) => body);
  const transport = client(t);
  await transport.call(served.address, 'POST', '/rpc/warm', { n: -1 });
  const before = transport.writes;
  let answer: Promise<unknown> | undefined;
  atTurnEnd(() => { answer = transport.call(served.address, 'POST', '/rpc/echo', { n: 1 }); });
  const writesByNextImmediate = await new Promise<number>((resolve) => setImmediate(() => resolve(transport.writes - before)));
  t.is(writesByNextImmediate, 1);
  t.deepEqual(await answer, { n: 1 });
});

/** A TCP proxy in front of `target` that, while holding, keeps what callers send (as a link that is down does) and delivers it on release. */
async function holdingProxy(t: ExecutionContext, target: string) {
  let holding = false;
  const held: Array<() => void> = [];
  const sockets: Socket[] = [];
  const server = net.createServer((incoming) => {
    const separator = target.lastIndexOf(':');
    const outgoing = net.connect(Number(target.slice(separator + 1)), target.slice(0, separator));
    sockets.push(incoming, outgoing);
    const pass = (action: () => void) => (holding ? held.push(action) : action());
    incoming.on('data', (chunk: Buffer) => pass(() => outgoing.write(chunk)));
    incoming.on('end', () => pass(() => outgoing.end()));
    outgoing.pipe(incoming);
    incoming.on('error', () => outgoing.destroy());
    outgoing.on('error', () => incoming.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.close();
    for (const socket of sockets) socket.destroy();
  });
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold: () => { holding = true; },
    release: () => {
      holding = false;
      for (const action of held.splice(0)) action();
    },
  };
}

/**
 * One call answered in time, then one held in a link until its caller has timed out, and
 * delivered to a server whose clock reads `clockAheadMs` later than the caller's: how many calls
 * the server ran, and how many it refused as late.
 */
async function callDeliveredLate(t: ExecutionContext, clockAheadMs: number) {
  let dispatched = 0;
  let ahead = 0;
  const served = await serve(t, async () => {
    dispatched++;
    return { ok: true };
  }, { now: () => Date.now() + ahead });
  const proxy = await holdingProxy(t, served.address);
  const transport = client(t);
  t.deepEqual(await transport.call(proxy.address, 'POST', '/rpc/op', { n: 0 }), { ok: true });
  proxy.hold();
  await t.throwsAsync(transport.call(proxy.address, 'POST', '/rpc/op', { n: 1 }, 100), { code: 'PEER_TIMEOUT' });
  ahead = clockAheadMs;
  proxy.release();
  await waitFor(() => dispatched + served.frames.late > 1);
  return { dispatched, late: served.frames.late };
}

test('a call that reaches the server after its caller gave up is not run (it may have been sent again elsewhere)', async (t) => {
  // As if the link had held it for 10 s.
  t.deepEqual(await callDeliveredLate(t, 10_000), { dispatched: 1, late: 1 });
});

test('a call that arrives just after its caller gave up, within the allowance for clocks that differ between hosts, is run', async (t) => {
  t.deepEqual(await callDeliveredLate(t, 0), { dispatched: 2, late: 0 });
});

test('a call whose deadline passes before its turn to be written is not written: it fails as a timeout', async (t) => {
  let dispatched = 0;
  const served = await serve(t, async () => {
    dispatched++;
    return { ok: true };
  });
  const transport = client(t);
  await transport.call(served.address, 'POST', '/rpc/warm', {});
  const before = transport.writes;
  await t.throwsAsync(transport.call(served.address, 'POST', '/rpc/op', {}, 0), { code: 'PEER_TIMEOUT' });
  t.deepEqual(await transport.call(served.address, 'POST', '/rpc/op', {}), { ok: true });
  t.is(transport.writes - before, 1, 'only the call still awaited was written');
  t.is(dispatched, 2);
});
