/**
 * The one load generator of `npm run bench`: every row, the ring's, the bare chain's and
 * etcd's, is driven by this loop over the same HTTP client (common/transport's keep-alive
 * node:http transport), so that the client's own cost is the same in every row.
 *
 * It works as `chordkv fileparallel` does: a fixed number of clients, spread evenly over the
 * system's endpoints and each bound to one, pull the requests of a fixture from one shared
 * queue, one request at a time per client; latency is measured per request at the client.
 * Around the run it reads the CPU time the servers and the load generator used.
 */
import { performance } from 'node:perf_hooks';
import { loadRequests } from '../../cli/actions/file-runs.js';
import type { FileType, Request } from '../../cli/file-format.js';
import { latencySummary, round, throughput } from '../../cli/stats.js';
import { KvClient } from '../../common/client.js';
import type { DirectRouter } from '../../common/direct.js';
import { asChordError } from '../../common/errors.js';
import { createTransport, type Transport } from '../../common/transport.js';
import { etcdPut, etcdRange, etcdValue } from './etcd-gateway.js';
import { cpuMeter, ownCpuMeter } from './proc-cpu.js';
import type { Row } from './workload.js';

/** Sends one request to `via`: resolves 'ok' or 'not found' (an answer, not an error); throws on errors. */
export type Send = (via: string, request: Request) => Promise<'ok' | 'not found'>;

/** How a system is spoken to, over the run's transport. */
export type Sender = (transport: Transport) => Send;

/** What a run is pointed at: where its clients connect, how they speak, whose CPU to count. */
export interface Target {
  endpoints: readonly string[];
  send: Sender;
  /** The server processes; their CPU per request is reported. */
  pids: readonly number[];
}

/** A row with what it cost: server CPU per request, the servers' and the load generator's CPU use. */
export interface CostedRow extends Row {
  /** Server CPU per request, µs (all server processes together). */
  serverCpuUs?: number;
  /** Cores the servers kept busy on average during the run (1 = one core). */
  serverCores?: number;
  /** The load generator's CPU per request, µs. */
  clientCpuUs?: number;
  /** Write system calls and sleeps (each a later wake-up) of all server processes and their threads, per request. */
  serverWrites?: number;
  serverSleeps?: number;
}

/** The store's public API through KvClient: PUT/GET /kv/:key (the ring, and the bare chain that mimics it). */
export const kvSender: Sender = (transport) => {
  const kv = new KvClient(transport);
  return async (via, request) => {
    try {
      if (request.op === 'insert') await kv.write(via, request.key, request.value);
      else await kv.read(via, request.key);
      return 'ok';
    } catch (err) {
      if (request.op === 'query' && asChordError(err).code === 'KEY_NOT_FOUND') return 'not found';
      throw err;
    }
  };
};

/**
 * A token-aware client (`--direct`): each request goes to the node the router's map names for
 * its key (the head, or for an eventual read a replica), whichever endpoint its client is bound to.
 */
export function directSender(router: DirectRouter): Sender {
  return (transport) => {
    const send = kvSender(transport);
    return (_via, request) => send(router.target(request.op === 'insert' ? 'put' : 'get', request.key), request);
  };
}

/** etcd's v3 JSON gateway: an insert is a put, a query a range read, linearizable or serializable. */
export function etcdSender(serializable: boolean): Sender {
  return (transport) => async (via, request) => {
    const { path, body } = request.op === 'insert' ? etcdPut(request.key, request.value) : etcdRange(request.key, serializable);
    const answer = await transport.call<unknown>(via, 'POST', path, body);
    return request.op === 'query' && etcdValue(answer) === undefined ? 'not found' : 'ok';
  };
}

/** The requests of a fixture file, repeated (or cut) to exactly `count`. */
export async function fixtureRequests(path: string, type: FileType, count: number): Promise<Request[]> {
  const { requests } = await loadRequests(path, type);
  if (requests.length === 0) throw new Error(`${path} holds no ${type} requests`);
  return Array.from({ length: count }, (_, i) => requests[i % requests.length]);
}

/**
 * Sends `requests` to `target` with `clients` clients in all (client i bound to endpoint
 * i mod the endpoint count) and returns the row: throughput, latency, errors and CPU cost.
 */
export async function drive(setup: string, target: Target, requests: readonly Request[], clients: number): Promise<CostedRow> {
  const transport = createTransport({ timeoutMs: 15_000, maxSockets: Math.max(256, clients) });
  const latencies: number[] = [];
  const errorCodes: Record<string, number> = {};
  let errors = 0;
  let notFound = 0;
  let next = 0;
  const send = target.send(transport);
  const client = async (via: string) => {
    while (next < requests.length) {
      const request = requests[next++];
      const started = performance.now();
      try {
        if ((await send(via, request)) === 'not found') notFound++;
      } catch (err) {
        errors++;
        const code = asChordError(err).code;
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      }
      latencies.push(performance.now() - started);
    }
  };
  try {
    const servers = cpuMeter(target.pids);
    const own = ownCpuMeter();
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, (_, i) => client(target.endpoints[i % target.endpoints.length])));
    const seconds = (performance.now() - started) / 1000;
    const serverCpu = servers.read();
    const clientCpu = own.read();
    const { p50, p99 } = latencySummary(latencies);
    const perRequestUs = (cpuSeconds: number) => Math.round((cpuSeconds / requests.length) * 1e6);
    return {
      setup, requests: requests.length, seconds: round(seconds, 3), throughput: throughput(requests.length, seconds),
      p50, p99, errors, notFound, errorCodes,
      ...(serverCpu && { serverCpuUs: perRequestUs(serverCpu.seconds), serverCores: round(serverCpu.seconds / serverCpu.wallSeconds, 2) }),
      ...(serverCpu?.writes !== undefined && { serverWrites: round(serverCpu.writes / requests.length, 2) }),
      ...(serverCpu?.sleeps !== undefined && { serverSleeps: round(serverCpu.sleeps / requests.length, 2) }),
      clientCpuUs: perRequestUs(clientCpu),
    };
  } finally {
    transport.close();
  }
}
