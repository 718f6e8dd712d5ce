/**
 * `npm run bench:cost`: CPU per request with every node in this one process, where the only
 * cost is the work itself (no other processes taking turns on the cores):
 *
 * - rings of 1, 3 and 10 nodes, k = 1 and 3: CPU per put and per get, the load generator's
 *   included (64 keep-alive clients spread over the nodes);
 * - one forward: two nodes, k = 1, GETs sent to one node for keys it owns and for keys the
 *   other owns; the difference is what the forward cost, at 1 client and at 16, over the
 *   frame transport and over HTTP between the nodes.
 *
 * Compare with `npm run bench`, whose rings run a process per node: docs/experiments.md,
 * "Where the CPU goes". Run with the machine otherwise idle; rounds are medians of 5.
 */
import http from 'node:http';
import { testConfig, type NodeConfig } from '../node/config.js';
import { startNode, type RunningNode } from '../node/start.js';
import { markdownTable } from './lib/table.js';

const REQUESTS = Number(process.env.COST_REQUESTS ?? 10_000);
const ROUNDS = 5;
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function startNodes(count: number, settings: Partial<NodeConfig>): Promise<RunningNode[]> {
  const base = { maintenanceIntervalMs: 500, metrics: true, logLevel: 'warn' as const, ...settings };
  const nodes = [await startNode(testConfig(base))];
  for (let i = 1; i < count; i++) nodes.push(await startNode(testConfig({ ...base, contact: nodes[0].address })));
  return nodes;
}

/** Keep-alive HTTP requests from this process; resolves with the answer's body. */
function client() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const send = (address: string, method: 'GET' | 'PUT', key: string, value?: string) => new Promise<string>((resolve, reject) => {
    const at = address.lastIndexOf(':');
    const body = value === undefined ? undefined : JSON.stringify({ value });
    const request = http.request({
      host: address.slice(0, at), port: Number(address.slice(at + 1)), path: `/kv/${encodeURIComponent(key)}`, method, agent,
      headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => resolve(text));
    });
    request.on('error', reject);
    request.end(body);
  });
  return { send, close: () => agent.destroy() };
}

/** CPU per request of `count` requests made by `clients` concurrent clients; `make(i)` sends the i-th. */
async function cpuPerRequest(count: number, clients: number, make: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = cpuMicros();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < count) await make(next++);
  }));
  return (cpuMicros() - started) / count;
}

/** Warms up, then the median of ROUNDS measurements of each of `runs`, interleaved. */
async function medians(runs: (() => Promise<number>)[]): Promise<number[]> {
  for (let i = 0; i < 4; i++) for (const run of runs) await run();
  const samples = runs.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) for (const [i, run] of runs.entries()) samples[i].push(await run());
  return samples.map((s) => Math.round(median(s)));
}

async function ringCost(count: number, k: number): Promise<(string | number)[]> {
  const nodes = await startNodes(count, { k, consistency: 'linearizable' });
  const { send, close } = client();
  try {
    const at = (i: number) => nodes[i % nodes.length].address;
    const [put, get] = await medians([
      () => cpuPerRequest(REQUESTS, 64, (i) => send(at(i), 'PUT', `key ${i % 1000}`, `v${i}`)),
      () => cpuPerRequest(REQUESTS, 64, (i) => send(at(i), 'GET', `key ${i % 1000}`)),
    ]);
    return [count, k, put, get];
  } finally {
    close();
    for (const node of nodes) await node.stop();
  }
}

async function forwardCost(transport: 'frames' | 'http', clients: number): Promise<(string | number)[]> {
  const nodes = await startNodes(2, { k: 1, consistency: 'linearizable', peerTransport: transport });
  const { send, close } = client();
  try {
    const entry = nodes[0].address;
    const own: string[] = [];
    const other: string[] = [];
    for (let i = 0; own.length < 200 || other.length < 200; i++) {
      const answer = JSON.parse(await send(entry, 'PUT', `k${i}`, 'v')) as { node: string };
      (answer.node === entry ? own : other).push(`k${i}`);
    }
    const [local, forwarded] = await medians([own, other].map((keys) => () => cpuPerRequest(REQUESTS, clients, (i) => send(entry, 'GET', keys[i % keys.length]))));
    return [transport, clients, local, forwarded, forwarded - local];
  } finally {
    close();
    for (const node of nodes) await node.stop();
  }
}

const rings = [];
for (const [count, k] of [[1, 1], [3, 1], [3, 3], [10, 1], [10, 3]]) {
  rings.push(await ringCost(count, k));
  console.error(`${count} nodes, k = ${k} measured`);
}
const forwards = [];
for (const [transport, clients] of [['frames', 1], ['frames', 16], ['http', 1], ['http', 16]] as const) {
  forwards.push(await forwardCost(transport, clients));
  console.error(`one forward over ${transport}, ${clients} client${clients === 1 ? '' : 's'} measured`);
}
console.log('### Nodes in one process: CPU per request, µs (the load generator\'s included)\n');
console.log(markdownTable(['nodes', 'k', 'put', 'get'], rings));
console.log('\n### One forward: GETs entering a 2-node ring (k = 1) at the node that owns the key, and at the other\n');
console.log(markdownTable(['peer transport', 'clients', 'µs per GET, no forward', 'µs per GET, one forward', 'the forward'], forwards));
console.log(`\n${REQUESTS} requests per measurement; each cell the median of ${ROUNDS}, after 4 discarded.`);
