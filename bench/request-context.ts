/**
 * What carrying the request id in AsyncLocalStorage would cost (the nodes used to; they now
 * pass it by hand, see common/request-id.ts). On Node 20 the first use of an
 * AsyncLocalStorage turns on a promise hook for the whole process, so each mode runs in a
 * process of its own: `off` never touches one, `on` runs every operation inside `run` and
 * reads the store where the node would (sending a call, writing a line).
 *   npx tsx bench/request-context.ts
 * Two workloads: a bare chain of awaits (the worst case: nothing but promises) and HTTP
 * round trips on loopback, keep-alive, 32 in flight (what a node's request looks like).
 * A third workload is the real thing: GETs and PUTs on an in-process node (Koa, routing, the
 * store); in the `on` process the hook the first two turned on runs at every promise it makes.
 * Reported as CPU time (user + system) per operation, which a busy machine disturbs less
 * than wall-clock throughput does.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Mode = 'on' | 'off';

interface Result {
  /** CPU ns per await in a chain of awaits. */
  nsPerAwait: number;
  /** CPU µs per HTTP round trip (client and server both in this process). */
  usPerRequest: number;
  /** CPU µs per public request (half GET, half PUT) to a node in this process. */
  usPerNodeRequest: number;
}

const cpuUs = () => { const { user, system } = process.cpuUsage(); return user + system; };

async function measure(mode: Mode): Promise<Result> {
  if (mode === 'off') {
    // No AsyncLocalStorage ever runs in this process: any a library makes does nothing.
    AsyncLocalStorage.prototype.run = function <R, A extends unknown[]>(_store: unknown, fn: (...args: A) => R, ...args: A) { return fn(...args); };
    AsyncLocalStorage.prototype.exit = function <R, A extends unknown[]>(fn: (...args: A) => R, ...args: A) { return fn(...args); };
    AsyncLocalStorage.prototype.getStore = () => undefined;
  }
  const als = mode === 'on' ? new AsyncLocalStorage<string>() : undefined;
  const within = <T>(id: string, fn: () => T): T => (als ? als.run(id, fn) : fn());
  const read = () => als?.getStore();

  // 1. Chains of 10 awaits.
  const chain = async (depth: number): Promise<number> => {
    if (depth === 0) return read()?.length ?? 0;
    await Promise.resolve();
    return chain(depth - 1);
  };
  const ops = 200_000;
  for (let i = 0; i < ops / 10; i++) await within(`w${i}`, () => chain(10));
  let start = cpuUs();
  for (let i = 0; i < ops; i++) await within(`r${i}`, () => chain(10));
  const nsPerAwait = ((cpuUs() - start) * 1000) / (ops * 10);

  // 2. HTTP round trips: the server serves under an id, the client reads one when sending.
  const server = http.createServer((req, res) => {
    void within(req.headers['x-request-id'] as string ?? 'new', async () => {
      await chain(5);
      const body = JSON.stringify({ value: 'v', reqId: read() });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const get = (i: number) => new Promise<void>((resolve, reject) => {
    within(`c${i}`, () => {
      const id = read();
      const request = http.get({ host: '127.0.0.1', port, path: '/kv/x', agent, headers: id ? { 'x-request-id': id } : {} }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', reject);
    });
  });
  const requests = 10_000;
  let next = 0;
  const worker = async () => { while (next < requests) await get(next++); };
  await Promise.all(Array.from({ length: 32 }, worker)); // warm-up pass below is the measured one
  next = 0;
  start = cpuUs();
  await Promise.all(Array.from({ length: 32 }, worker));
  const usPerRequest = (cpuUs() - start) / requests;
  server.close();

  // 3. A node: imported only now, so that the `off` stub is in place first.
  const { testConfig } = await import('../node/config.js');
  const { startNode } = await import('../node/start.js');
  const node = await startNode(testConfig({ logLevel: 'warn', logPretty: false }));
  const [host, nodePort] = [node.address.slice(0, node.address.lastIndexOf(':')), Number(node.address.slice(node.address.lastIndexOf(':') + 1))];
  const body = JSON.stringify({ value: 'v' });
  const kv = (i: number) => new Promise<void>((resolve, reject) => {
    const put = i % 2 === 0;
    const request = http.request({
      host, port: nodePort, path: `/kv/k${i % 100}`, agent, method: put ? 'PUT' : 'GET',
      headers: put ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    request.on('error', reject);
    request.end(put ? body : undefined);
  });
  const nodeRequests = 10_000;
  next = 0;
  const nodeWorker = async () => { while (next < nodeRequests) await kv(next++); };
  await Promise.all(Array.from({ length: 32 }, nodeWorker));
  next = 0;
  start = cpuUs();
  await Promise.all(Array.from({ length: 32 }, nodeWorker));
  const usPerNodeRequest = (cpuUs() - start) / nodeRequests;
  await node.stop();
  agent.destroy();
  return { nsPerAwait, usPerRequest, usPerNodeRequest };
}

const mode = process.argv[2] as Mode | undefined;
if (mode) {
  process.stdout.write(JSON.stringify(await measure(mode)) + '\n');
} else {
  const runs: Record<Mode, Result[]> = { on: [], off: [] };
  for (let round = 0; round < 3; round++) {
    for (const m of ['off', 'on'] as const) {
      const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1], m], { encoding: 'utf8' });
      runs[m].push(JSON.parse(out) as Result);
    }
  }
  const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)];
  for (const key of ['nsPerAwait', 'usPerRequest', 'usPerNodeRequest'] as const) {
    const off = median(runs.off.map((r) => r[key]));
    const on = median(runs.on.map((r) => r[key]));
    process.stdout.write(`${key} (median of 3): without ${off.toFixed(1)}, with AsyncLocalStorage ${on.toFixed(1)} (${on >= off ? '+' : ''}${(((on - off) / off) * 100).toFixed(1)}%)\n`);
  }
}
