/**
 * One server of the ring-shaped ceiling: the least a ring of k copies must do, and nothing
 * else. A plain node:http server speaking the store's `PUT/GET /kv/:key` JSON shape, placed
 * with the others on a ring: each key lives on the k servers from its hash on (its line). A
 * write goes to the first of its line (one forward, unless it entered there) and down the rest,
 * each storing it; a read is answered where it enters when that server holds the key, else by
 * the first of its line after one forward. No routing table, lock, version, lease or framework.
 *
 * Servers speak to each other over `wire`: `http` (keep-alive node:http requests, as the bare
 * chain), `lines` (one connection per peer, many calls in flight on it, each a line of JSON
 * with a call id; every line queued in one turn of the loop goes out in one write), or
 * `frames` (the nodes' own frame transport and frame server, with a one-call handler table).
 *
 * With `koa`, the public API is served by a Koa app (@koa/router, koa-bodyparser), as the nodes
 * serve theirs, instead of bare node:http.
 *
 * argv: <k> <http | lines | frames> [koa]. Prints `ready <public host:port> <peer host:port>`, then reads one
 * line from stdin, every server's peer address in ring order, and prints `peers`.
 */
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { FrameTransport } from '../../common/frame-transport.js';
import { FrameServer } from '../../node/rpc/frame-server.js';
import { lineOf } from './ring-shape.js';

const k = Number(process.argv[2]);
const wire = process.argv[3];
if (!(k >= 1) || !['http', 'lines', 'frames'].includes(wire)) throw new Error('usage: ring-server.ts <k> <http | lines | frames>');

/** A request as it travels: `place` is its place in its key's line (absent: from a client). */
interface Hop { put: boolean; key: string; value?: string; place?: number; hops: number }
interface Answer { status: number; body: unknown }

const values = new Map<string, string>();
let peers: string[] = [];
let self = '';


function handle(hop: Hop): Answer | Promise<Answer> {
  const line = lineOf(hop.key, peers, k);
  const next = { ...hop, hops: hop.hops + 1 };
  if (hop.put) {
    if (hop.place === undefined && line[0] !== self) return call(line[0], { ...next, place: 0 });
    const place = hop.place ?? 0;
    values.set(hop.key, hop.value!);
    if (place + 1 < line.length) return call(line[place + 1], { ...next, place: place + 1 });
    return { status: 200, body: { key: hop.key, value: hop.value, node: self, hops: hop.hops } };
  }
  if (hop.place === undefined && !line.includes(self)) return call(line[0], { ...next, place: 0 });
  const value = values.get(hop.key);
  if (value === undefined) return { status: 404, body: { error: { code: 'KEY_NOT_FOUND', message: `no value for ${hop.key}` } } };
  return { status: 200, body: { key: hop.key, value, node: self, hops: hop.hops } };
}

const at = (address: string) => ({ host: address.slice(0, address.lastIndexOf(':')), port: Number(address.slice(address.lastIndexOf(':') + 1)) });

// --- wire: http --------------------------------------------------------------------------
const agent = new http.Agent({ keepAlive: true, noDelay: true, maxSockets: 256, scheduling: 'lifo' });

function httpCall(to: string, hop: Hop): Promise<Answer> {
  const payload = JSON.stringify(hop);
  return new Promise((resolve) => {
    const out = http.request({ ...at(to), method: 'POST', path: '/hop', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (answer) => {
      readAll(answer, (text) => resolve(JSON.parse(text) as Answer));
    });
    out.on('error', (err) => resolve({ status: 502, body: { error: { code: 'PEER_UNREACHABLE', message: err.message } } }));
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
    if (this.queued.push(line) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    this.socket.write(`${this.queued.join('\n')}\n`);
    this.queued = [];
  }
}

const pending = new Map<number, (answer: Answer) => void>();
let lastId = 0;
const links = new Map<string, LineLink>();

function linesCall(to: string, hop: Hop): Promise<Answer> {
  let link = links.get(to);
  if (!link) {
    link = new LineLink(net.connect(at(to)), (line) => {
      const { i, status, body } = JSON.parse(line) as Answer & { i: number };
      pending.get(i)?.({ status, body });
      pending.delete(i);
    });
    links.set(to, link);
  }
  const id = ++lastId;
  link.send(JSON.stringify({ i: id, ...hop }));
  return new Promise((resolve) => pending.set(id, resolve));
}

const peerServer = net.createServer((socket) => {
  const link: LineLink = new LineLink(socket, (line) => {
    const { i, ...hop } = JSON.parse(line) as Hop & { i: number };
    void Promise.resolve(handle(hop)).then((answer) => link.send(JSON.stringify({ i, ...answer })));
  });
});

// --- wire: frames ------------------------------------------------------------------------
const frames = new FrameTransport({ timeoutMs: 15_000 });
const frameServer = new FrameServer({ dispatch: async (_method, _path, body) => handle(body as Hop) });
const framesCall = (to: string, hop: Hop) => frames.call<Answer>(to, 'POST', '/rpc/hop', hop);

const call = wire === 'http' ? httpCall : wire === 'lines' ? linesCall : framesCall;

// --- the public API ----------------------------------------------------------------------
function readAll(stream: http.IncomingMessage, then: (text: string) => void): void {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => then(Buffer.concat(chunks).toString('utf8')));
}

function reply(res: http.ServerResponse, { status, body }: Answer): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const bare = (req: http.IncomingMessage, res: http.ServerResponse) => readAll(req, (text) => {
  if (req.url === '/hop') return void Promise.resolve(handle(JSON.parse(text) as Hop)).then((answer) => reply(res, { status: 200, body: answer }));
  const key = decodeURIComponent((req.url ?? '').replace(/^\/kv\//, ''));
  const hop: Hop = req.method === 'PUT' ? { put: true, key, value: (JSON.parse(text) as { value: string }).value, hops: 0 } : { put: false, key, hops: 0 };
  void Promise.resolve(handle(hop)).then((answer) => reply(res, answer));
});

/** The same routes as a Koa app: what the web framework alone adds to a request. */
function koaApp(): http.RequestListener {
  const app = new Koa();
  const router = new Router();
  const answer = (ctx: Koa.Context, { status, body }: Answer) => {
    ctx.status = status;
    ctx.body = body;
  };
  router.post('/hop', async (ctx) => { ctx.body = await handle(ctx.request.body as Hop); });
  router.put('/kv/:key', async (ctx) => answer(ctx, await handle({ put: true, key: ctx.params.key, value: (ctx.request.body as { value: string }).value, hops: 0 })));
  router.get('/kv/:key', async (ctx) => answer(ctx, await handle({ put: false, key: ctx.params.key, hops: 0 })));
  app.use(bodyParser({ enableTypes: ['json'] }));
  app.use(router.routes());
  const serve = app.callback();
  return (req, res) => void serve(req, res);
}

const server = http.createServer(process.argv[4] === 'koa' ? koaApp() : bare);

createInterface({ input: process.stdin }).once('line', (line) => {
  peers = line.trim().split(' ');
  console.log('peers');
});

server.on('upgrade', (req, socket, head) => frameServer.upgrade(req, socket, head));

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
  for (const link of links.values()) link.socket.destroy();
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
