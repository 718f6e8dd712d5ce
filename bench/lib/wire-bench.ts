/**
 * The node-to-node wire on its own: one server process that answers a replication-sized call
 * over plain keep-alive HTTP (node:http, JSON body) and over frames on the same port (an
 * HTTP Upgrade), and a client loop in this process that keeps `concurrency` calls in flight.
 * The frame wire runs with JSON or msgpack payloads (msgpackr), the framing code the same.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { jsonCodec, type FrameCodec } from '../../common/frames.js';
import { createTransport, type Transport } from '../../common/transport.js';
import { FrameTransport } from '../../common/frame-transport.js';
import { FrameServer } from '../../node/rpc/frame-server.js';

export type Wire = 'http' | 'frames-json' | 'frames-msgpack';
export const WIRES: readonly Wire[] = ['http', 'frames-json', 'frames-msgpack'];

const packr = new Packr({ useRecords: false });
export const msgpackCodec: FrameCodec = { encode: (message) => packr.pack(message), decode: (payload): unknown => packr.unpack(payload) };

const codecOf = (wire: Wire) => (wire === 'frames-msgpack' ? msgpackCodec : jsonCodec);

/** The work a node does per call minus the ring logic: parse, answer, serialise. */
const answer = (body: unknown) => {
  const items = (body as { items?: unknown[] }).items;
  return { ok: true, applied: Array.isArray(items) ? items.length : 1 };
};

/** Runs in the child: serve on a free port, print it, report CPU time on GET /cpu. */
export async function serveWire(codecName: Wire): Promise<void> {
  const frames = new FrameServer({ dispatch: async (_m, _p, body) => answer(body), codec: codecOf(codecName) });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const payload = req.url === '/cpu' ? process.cpuUsage() : answer(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      const text = JSON.stringify(payload);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('upgrade', (req, socket, head) => frames.upgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
}

export interface WireServer {
  address: string;
  cpuMicros(): Promise<number>;
  stop(): void;
}

export async function startWireServer(wire: Wire): Promise<WireServer> {
  const script = fileURLToPath(new URL('../transport.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import=tsx', script, '--serve', wire], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line.replace('port ', '')));
    child.once('exit', (code) => reject(new Error(`the wire server exited (${code})`)));
  });
  const address = `127.0.0.1:${port}`;
  const http = createTransport({ timeoutMs: 5000 });
  return {
    address,
    cpuMicros: async () => {
      const usage = await http.call<NodeJS.CpuUsage>(address, 'GET', '/cpu');
      return usage.user + usage.system;
    },
    stop: () => {
      http.close();
      child.kill();
    },
  };
}

export interface WireRun {
  calls: number;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
  /** Client plus server CPU per call, in microseconds. */
  cpuMicrosPerCall: number;
}

/** Keeps `concurrency` calls with `body` in flight for `seconds`; the first second is a discarded warm-up. */
export async function runWire(wire: Wire, body: unknown, concurrency: number, seconds: number): Promise<WireRun> {
  const server = await startWireServer(wire);
  const transport: Transport = wire === 'http'
    ? createTransport({ timeoutMs: 10_000, maxSockets: concurrency })
    : new FrameTransport({ timeoutMs: 10_000, codec: codecOf(wire) });
  try {
    await loop(transport, server.address, body, concurrency, 1);
    const serverBefore = await server.cpuMicros();
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const latencies = await loop(transport, server.address, body, concurrency, seconds);
    const elapsed = (performance.now() - started) / 1000;
    const client = process.cpuUsage(clientBefore);
    const serverCpu = (await server.cpuMicros()) - serverBefore;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 100) / 100;
    return {
      calls: latencies.length, seconds: elapsed, throughput: Math.round(latencies.length / elapsed), p50: at(0.5), p99: at(0.99),
      cpuMicrosPerCall: Math.round((client.user + client.system + serverCpu) / latencies.length),
    };
  } finally {
    transport.close();
    server.stop();
  }
}

async function loop(transport: Transport, address: string, body: unknown, concurrency: number, seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const start = performance.now();
      await transport.call(address, 'POST', '/rpc/apply', body);
      latencies.push(performance.now() - start);
    }
  }));
  return latencies;
}
