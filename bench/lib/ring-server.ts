/**
 * One server of the ring-shaped ceiling: the least a ring of k copies must do, and nothing
 * else. A plain server speaking the store's `PUT/GET /kv/:key` JSON shape, placed with the
 * others on a ring: each key lives on the k servers from its hash on (its line). A write goes
 * to the first of its line (one forward, unless it entered there) and down the rest, each
 * storing it; a read is answered where it enters when that server holds the key, else by the
 * first of its line after one forward. No routing table, lock, version, lease or record.
 *
 * What a server sends one peer in one turn of the event loop travels as one call (a list of
 * hops, answered by a list), as the ring's forward batches and chain batches do: were every
 * hop a call of its own, the shape would make more calls than the ring it bounds.
 *
 * Servers speak to each other over `wire`: `http` (keep-alive node:http requests, as the bare
 * chain), `lines` (one connection per peer, many calls in flight on it, each a line of JSON
 * with a call id; every line of one turn in one write), or `frames` (the nodes' own frame
 * transport and frame server). With `koa`, the public API is served by a Koa app (@koa/router,
 * koa-bodyparser), as the nodes serve theirs, instead of bare node:http.
 *
 * argv: <k> <http | lines | frames> [koa]. Prints `ready <public host:port> <peer host:port>`,
 * then reads one line from stdin, every server's peer address in ring order, and prints `peers`.
 */
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { FrameTransport } from '../../common/frame-transport.js';
import { atTurnEnd } from '../../common/turn-end.js';
import { FrameServer } from '../../node/rpc/frame-server.js';
import { lineOf } from './ring-shape.js';

const [k, wire, front] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
if (!(k >= 1) || !['http', 'lines', 'frames'].includes(wire) || (front !== undefined && front !== 'koa')) {
  throw new Error('usage: ring-server.ts <k> <http | lines | frames> [koa]');
}

/** A request as it travels: `place` is its place in its key's line (absent: from a client). */
interface Hop { put: boolean; key: string; value?: string; place?: number; hops: number }
interface Answer { status: number; body: unknown }

const values = new Map<string, string>();
let peers: string[] = [];
let self = '';

function handle(hop: Hop): Answer | Promise<Answer> {
  const line = lineOf(hop.key, peers, k);
  // Written out, not spread: a spread with added fields costs a microsecond (common/objects.ts).
  const next = (place: number): Hop => ({ put: hop.put, key: hop.key, value: hop.value, place, hops: hop.hops + 1 });
  if (hop.put) {
    if (hop.place === undefined && line[0] !== self) return call(line[0], next(0));
    const place = hop.place ?? 0;
    values.set(hop.key, hop.value!);
    if (place + 1 < line.length) return call(line[place + 1], next(place + 1));
    return { status: 200, body: { key: hop.key, value: hop.value, node: self, hops: hop.hops } };
  }
  if (hop.place === undefined && !line.includes(self)) return call(line[0], next(0));
  const value = values.get(hop.key);
  if (value === undefined) return { status: 404, body: { error: { code: 'KEY_NOT_FOUND', message: `no value for ${hop.key}` } } };
  return { status: 200, body: { key: hop.key, value, node: self, hops: hop.hops } };
}

const serveBatch = (hops: Hop[]): Promise<Answer[]> => Promise.all(hops.map((hop) => Promise.resolve(handle(hop))));

/** A peer that could not be reached answers every hop sent to it with this (never a rejection: a client is always answered). */
const unreachable = (err: unknown): Answer => ({ status: 502, body: { error: { code: 'PEER_UNREACHABLE', message: String((err as Error)?.message ?? err) } } });

// --- batches: one call per peer per turn -------------------------------------------------
const outgoing = new Map<string, { hops: Hop[]; settle: ((answer: Answer) => void)[] }>();

function call(to: string, hop: Hop): Promise<Answer> {
  return new Promise((resolve) => {
    let batch = outgoing.get(to);
    if (!batch) {
      if (outgoing.size === 0) atTurnEnd(sendBatches);
      batch = { hops: [], settle: [] };
      outgoing.set(to, batch);
    }
    batch.hops.push(hop);
    batch.settle.push(resolve);
  });
}

function sendBatches(): void {
  for (const [to, { hops, settle }] of outgoing) {
    wireCall(to, hops).then(
      (answers) => answers.forEach((answer, i) => settle[i](answer)),
      (err: unknown) => settle.forEach((resolve) => resolve(unreachable(err))),
    );
  }
  outgoing.clear();
}

const at = (address: string) => ({ host: address.slice(0, address.lastIndexOf(':')), port: Number(address.slice(address.lastIndexOf(':') + 1)) });

// --- wire: http --------------------------------------------------------------------------
const agent = new http.Agent({ keepAlive: true, noDelay: true, maxSockets: 256, scheduling: 'lifo' });

function httpCall(to: string, hops: Hop[]): Promise<Answer[]> {
  const payload = JSON.stringify(hops);
  return new Promise((resolve, reject) => {
    const out = http.request({ ...at(to), method: 'POST', path: '/hop', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (answer) => {
      answer.on('error', reject);
      readAll(answer, (text) => parsed(text, resolve, reject));
    });
    out.on('error', reject);
    out.end(payload);
  });
}

// --- wire: lines -------------------------------------------------------------------------
/** A connection that carries lines both ways, writing every line queued in one turn at once. */
class LineLink {
  private queued: string[] = [];
  private rest = '';
  constructor(readonly socket: net.Socket, onLine: (line: string) => void) {
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (this.rest + chunk).split('\n');
      this.rest = lines.pop()!;
      for (const line of lines) onLine(line);
    });
  }

  send(line: string): void {
    if (this.queued.push(line) === 1) atTurnEnd(() => this.flush());
  }

  private flush(): void {
    this.socket.write(`${this.queued.join('\n')}\n`);
    this.queued = [];
  }
}

let lastId = 0;
const links = new Map<string, { link: LineLink; pending: Map<number, { resolve: (answers: Answer[]) => void; reject: (err: unknown) => void }> }>();

function linesCall(to: string, hops: Hop[]): Promise<Answer[]> {
  let peer = links.get(to);
  if (!peer) {
    const pending = new Map<number, { resolve: (answers: Answer[]) => void; reject: (err: unknown) => void }>();
    const socket = net.connect(at(to));
    const link = new LineLink(socket, (line) => {
      const { i, answers } = JSON.parse(line) as { i: number; answers: Answer[] };
      pending.get(i)?.resolve(answers);
      pending.delete(i);
    });
    // A link that breaks fails what it carries; the next call dials again.
    const fail = (err: unknown) => {
      if (links.get(to)?.link === link) links.delete(to);
      for (const waiting of pending.values()) waiting.reject(err);
      pending.clear();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`the connection to ${to} closed`)));
    peer = { link, pending };
    links.set(to, peer);
  }
  const id = ++lastId;
  const { link, pending } = peer;
  link.send(JSON.stringify({ i: id, hops }));
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

const peerServer = net.createServer((socket) => {
  socket.on('error', () => socket.destroy());
  const link: LineLink = new LineLink(socket, (line) => {
    const { i, hops } = JSON.parse(line) as { i: number; hops: Hop[] };
    void serveBatch(hops).then((answers) => link.send(JSON.stringify({ i, answers })));
  });
});

// --- wire: frames ------------------------------------------------------------------------
const frames = new FrameTransport({ timeoutMs: 15_000 });
const frameServer = new FrameServer({ dispatch: (_method, _path, body) => serveBatch(body as Hop[]) });
const framesCall = (to: string, hops: Hop[]) => frames.call<Answer[]>(to, 'POST', '/rpc/hop', hops);

const wireCall = wire === 'http' ? httpCall : wire === 'lines' ? linesCall : framesCall;

// --- the public API ----------------------------------------------------------------------
function readAll(stream: http.IncomingMessage, then: (text: string) => void): void {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => then(Buffer.concat(chunks).toString('utf8')));
}

function parsed<T>(text: string, resolve: (value: T) => void, reject: (err: unknown) => void): void {
  try {
    resolve(JSON.parse(text) as T);
  } catch (err) {
    reject(err);
  }
}

function reply(res: http.ServerResponse, { status, body }: Answer): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const badJson = (err: unknown): Answer => ({ status: 400, body: { error: { code: 'BAD_JSON', message: String((err as Error)?.message ?? err) } } });

/** Bare node:http: the public routes, and `/hop`, the http wire's calls. */
const bare = (req: http.IncomingMessage, res: http.ServerResponse) => readAll(req, (text) => {
  const answered = (answer: Answer) => reply(res, answer);
  if (req.url === '/hop') return parsed<Hop[]>(text, (hops) => void serveBatch(hops).then((answers) => reply(res, { status: 200, body: answers })), (err) => answered(badJson(err)));
  const key = decodeURIComponent((req.url ?? '').replace(/^\/kv\//, ''));
  if (req.method !== 'PUT') return void Promise.resolve(handle({ put: false, key, hops: 0 })).then(answered);
  parsed<{ value: string }>(text, ({ value }) => void Promise.resolve(handle({ put: true, key, value, hops: 0 })).then(answered), (err) => answered(badJson(err)));
});

/** The public routes as a Koa app: what the web framework alone adds to a request (`/hop` stays bare, as node-to-node calls skip Koa in the nodes). */
function koaApp(): http.RequestListener {
  const app = new Koa();
  const router = new Router();
  const answer = (ctx: Koa.Context, { status, body }: Answer) => {
    ctx.status = status;
    ctx.body = body;
  };
  router.put('/kv/:key', async (ctx) => answer(ctx, await handle({ put: true, key: ctx.params.key, value: (ctx.request.body as { value: string }).value, hops: 0 })));
  router.get('/kv/:key', async (ctx) => answer(ctx, await handle({ put: false, key: ctx.params.key, hops: 0 })));
  app.use(bodyParser({ enableTypes: ['json'] }));
  app.use(router.routes());
  const serve = app.callback();
  return (req, res) => (req.url === '/hop' ? bare(req, res) : void serve(req, res));
}

const server = http.createServer(front === 'koa' ? koaApp() : bare);
server.on('upgrade', (req, socket, head) => frameServer.upgrade(req, socket, head));

createInterface({ input: process.stdin }).once('line', (line) => {
  peers = line.trim().split(' ');
  console.log('peers');
});

const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
server.listen(0, '127.0.0.1', () => {
  const publicAddress = `127.0.0.1:${portOf(server)}`;
  if (wire !== 'lines') {
    self = publicAddress;
    console.log(`ready ${publicAddress} ${self}`);
  } else {
    peerServer.listen(0, '127.0.0.1', () => {
      self = `127.0.0.1:${portOf(peerServer)}`;
      console.log(`ready ${publicAddress} ${self}`);
    });
  }
});
process.once('SIGTERM', () => {
  agent.destroy();
  frames.close();
  frameServer.close();
  for (const { link } of links.values()) link.socket.destroy();
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
