/**
 * One server of the bare reference chain: a plain node:http server that speaks the store's
 * `PUT/GET /kv/:key` JSON shape and forwards each request to the next server over a
 * keep-alive connection; the last server of the chain answers. How many forwards a request
 * takes is where it enters (see forward-chain.ts). Each server parses the JSON body and the
 * answer and serializes them again, as a ring node must to route a request, so the chain is
 * "HTTP hops and JSON, nothing else": no routing table, locks, storage engine or web framework.
 *
 * argv: <next host:port, or - for the last server>. Prints `ready host:port`.
 */
import http from 'node:http';

const next = process.argv[2];
const [nextHost, nextPort] = next === '-' ? ['', 0] : [next.slice(0, next.lastIndexOf(':')), Number(next.slice(next.lastIndexOf(':') + 1))];
const HOPS = 'x-bench-hops';
// The same keep-alive settings as the nodes' transport (common/transport.ts).
const agent = new http.Agent({ keepAlive: true, noDelay: true, maxSockets: 256, scheduling: 'lifo' });
// The last server keeps the values, so that a GET answers with a value of the size a PUT stored.
const values = new Map<string, string>();
let self = '';

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function forward(req: http.IncomingMessage, res: http.ServerResponse, payload: string | undefined, hops: number): void {
  const headers: http.OutgoingHttpHeaders = { [HOPS]: String(hops + 1), accept: 'application/json' };
  if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  const out = http.request({ host: nextHost, port: nextPort, method: req.method, path: req.url, headers, agent }, (answer) => {
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
    const hops = Number(req.headers[HOPS] ?? 0);
    let payload: string | undefined;
    let value: string | undefined;
    if (req.method === 'PUT') {
      ({ value } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value: string });
      payload = JSON.stringify({ value });
    }
    if (next !== '-') return forward(req, res, payload, hops);
    if (value !== undefined) values.set(key, value);
    else value = values.get(key);
    if (value === undefined) return reply(res, 404, { error: { code: 'KEY_NOT_FOUND', message: `no value for ${key}` } });
    reply(res, 200, { key, value, node: self, hops });
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
