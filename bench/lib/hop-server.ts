/**
 * One hop of the efficiency reference: a bare node:http server that speaks the store's
 * `PUT/GET /kv/:key` JSON shape and forwards each request to the next server over a
 * keep-alive connection until the request's hop budget is spent, then answers.
 * Each hop parses the JSON body and serializes it again, as a ring node must to route it,
 * so the reference is "HTTP hops and JSON, nothing else": no routing table, locks or storage.
 *
 * argv: <next host:port or -> <hops for PUT> <hops for GET>. Prints `ready host:port`.
 */
import http from 'node:http';

const [next, putHops, getHops] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const HOPS_LEFT = 'x-bench-hops-left';
const HOPS_DONE = 'x-bench-hops';
const agent = new http.Agent({ keepAlive: true, noDelay: true, maxSockets: 256, scheduling: 'lifo' });
// Values are kept so that a GET can answer with a value of the size a PUT stored.
const values = new Map<string, string>();
let self = '';

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, payload: string | undefined, left: number, done: number): void {
  const separator = next.lastIndexOf(':');
  const headers: http.OutgoingHttpHeaders = { [HOPS_LEFT]: String(left - 1), [HOPS_DONE]: String(done + 1), accept: 'application/json' };
  if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  const out = http.request({
    host: next.slice(0, separator), port: Number(next.slice(separator + 1)), method: req.method, path: req.url, headers, agent,
  }, (answer) => {
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.on('end', () => {
      try {
        reply(res, answer.statusCode ?? 502, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reply(res, 502, { error: { code: 'BAD_RESPONSE', message: (err as Error).message } });
      }
    });
  });
  out.on('error', (err) => reply(res, 502, { error: { code: 'PEER_UNREACHABLE', message: err.message } }));
  out.end(payload);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const key = decodeURIComponent((req.url ?? '').replace(/^\/kv\//, ''));
    const budget = req.method === 'PUT' ? putHops : getHops;
    const left = req.headers[HOPS_LEFT] === undefined ? budget : Number(req.headers[HOPS_LEFT]);
    const done = Number(req.headers[HOPS_DONE] ?? 0);
    let payload: string | undefined;
    if (req.method === 'PUT') {
      const { value } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value: string };
      values.set(key, value);
      payload = JSON.stringify({ value });
    }
    if (left > 0 && next !== '-') return forward(req, res, payload, left, done);
    const value = values.get(key);
    if (value === undefined) return reply(res, 404, { error: { code: 'KEY_NOT_FOUND', message: `no value for ${key}` } });
    reply(res, 200, { key, value, node: self, hops: done });
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  self = typeof address === 'object' && address ? `127.0.0.1:${address.port}` : '';
  console.log(`ready ${self}`);
});
process.once('SIGTERM', () => {
  agent.destroy();
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
