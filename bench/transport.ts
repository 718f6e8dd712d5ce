/**
 * `npm run bench:transport`: the node-to-node transport, HTTP against frames.
 *
 * 1. The wire alone (bench/lib/wire-bench.ts): one server process, 64 calls in flight, a
 *    one-item and a 100-item replication call, over keep-alive HTTP, frames with JSON and
 *    frames with msgpack; throughput, latency and CPU (client + server) per call.
 * 2. The ring: 10 nodes, k = 3, linearizable and eventual, 60 clients spread over the nodes
 *    (as `npm run bench`), the nodes started with --peer-transport http or frames, the two
 *    interleaved in every round so that both see the same machine.
 *
 * Options: --rounds N (default 3), --quick (short runs), --wire-only, --ring-only.
 * In a child process, `--serve WIRE` runs the wire server instead.
 */
import type { RingFlags } from '../bootstrap/ring-args.js';
import type { PeerTransport } from '../node/config.js';
import { childrenCpuMicros } from './lib/child-cpu.js';
import { runMain } from './lib/cleanup.js';
import { loadAverage, machineFacts, machineLines } from './lib/machine.js';
import { fixture, startRing } from './lib/ring.js';
import { markdownTable } from './lib/table.js';
import { runWire, serveWire, WIRES, type Wire, type WireRun } from './lib/wire-bench.js';
import { combine, parallel, workloadFile, type Row } from './lib/workload.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.indexOf(name);

async function main(): Promise<void> {
  const quick = flag('--quick') >= 0;
  const rounds = flag('--rounds') >= 0 ? Math.max(1, Number(argv[flag('--rounds') + 1]) || 1) : quick ? 1 : 3;
  const facts = machineFacts();
  const loadBefore = loadAverage();
  const wire = flag('--ring-only') >= 0 ? '' : await wireTable(rounds, quick ? 2 : 4);
  const ring = flag('--wire-only') >= 0 ? '' : await ringTable(rounds, quick);
  console.log('## chordkv node-to-node transport: HTTP against frames\n');
  console.log(machineLines(facts).join('\n'));
  console.log(`- load average (1, 5, 15 min): ${loadBefore} before, ${loadAverage()} after\n`);
  console.log([wire, ring].filter(Boolean).join('\n\n'));
}

const item = (i: number) => ({ key: `user:${100_000 + i}`, value: 'x'.repeat(100), version: 17 + i, deleted: false });
const BODIES = { '1 item': { items: [item(0)] }, '100 items': { items: Array.from({ length: 100 }, (_, i) => item(i)) } };
const WIRE_CONCURRENCY = 64;

async function wireTable(rounds: number, seconds: number): Promise<string> {
  const runs = new Map<string, WireRun[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const [size, body] of Object.entries(BODIES)) {
      // Each round starts with another wire, so that no wire always runs first.
      for (const wire of rotate(WIRES, round)) {
        console.error(`  wire round ${round}/${rounds}: ${wire}, ${size}…`);
        const key = `${wire}\t${size}`;
        runs.set(key, [...(runs.get(key) ?? []), await runWire(wire, body, WIRE_CONCURRENCY, seconds)]);
      }
    }
  }
  const rows = [...runs.entries()].map(([key, all]) => {
    const [wire, size] = key.split('\t');
    const sorted = [...all].sort((a, b) => a.throughput - b.throughput);
    const median = sorted[Math.floor((sorted.length - 1) / 2)];
    return [wire, size, median.throughput, `${sorted[0].throughput}–${sorted.at(-1)!.throughput}`, median.p50, median.p99, median.cpuMicrosPerCall];
  });
  return `### The wire alone (${WIRE_CONCURRENCY} calls in flight, ${seconds} s per run, median of ${rounds})\n\n`
    + markdownTable(['wire', 'call', 'calls/s', 'min–max', 'p50 ms', 'p99 ms', 'CPU µs per call'], rows);
}

const NODES = 10;
const K = 3;
const CONCURRENCY = 6;
const MODES: RingFlags[] = [{ k: K, consistency: 'linearizable' }, { k: K, consistency: 'eventual' }];
const TRANSPORTS: readonly PeerTransport[] = ['http', 'frames'];

async function ringTable(rounds: number, quick: boolean): Promise<string> {
  const files = {
    insert: await workloadFile(fixture('insert.txt'), quick ? 1 : 4, quick ? 100 : Infinity),
    query: await workloadFile(fixture('query.txt'), quick ? 1 : 4, quick ? 100 : Infinity),
    warmInsert: await workloadFile(fixture('insert.txt'), 1, quick ? 20 : 200),
    warmQuery: await workloadFile(fixture('query.txt'), 1, quick ? 20 : 200),
  };
  const runs = new Map<string, Row[]>();
  const cpuPerRequest = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const mode of MODES) {
      for (const transport of rotate(TRANSPORTS, round)) {
        console.error(`  ring round ${round}/${rounds}: ${mode.consistency}, ${transport}…`);
        const ring = await startRing(mode, NODES, undefined, ['--peer-transport', transport]);
        try {
          const spec = (path: string, type: 'insert' | 'query') => ({ nodes: ring.addresses, path, type });
          await parallel('warm-up', spec(files.warmInsert, 'insert'), CONCURRENCY);
          await parallel('warm-up', spec(files.warmQuery, 'query'), CONCURRENCY);
          for (const type of ['insert', 'query'] as const) {
            const setup = `${mode.consistency}\t${type}\t${transport}`;
            const before = childrenCpuMicros();
            const row = await parallel(setup, spec(files[type], type), CONCURRENCY);
            const cpu = Math.round((childrenCpuMicros() - before) / row.requests);
            runs.set(setup, [...(runs.get(setup) ?? []), row]);
            cpuPerRequest.set(setup, [...(cpuPerRequest.get(setup) ?? []), cpu]);
          }
        } finally {
          await ring.stop();
        }
      }
    }
  }
  const measured = [...runs.values()].map(combine);
  const throughputOf = (setup: string) => measured.find((m) => m.setup === setup)?.throughput ?? NaN;
  const rows = measured.map((m) => {
    const [mode, type, transport] = m.setup.split('\t');
    const vsHttp = transport === 'frames' ? `${(m.throughput / throughputOf(`${mode}\t${type}\thttp`)).toFixed(2)}×` : '';
    return [mode, type, transport, m.throughput, `${m.min}–${m.max}`, m.p50, m.p99, median(cpuPerRequest.get(m.setup) ?? []), m.errors, vsHttp];
  });
  return `### Ring: ${NODES} nodes, k=${K}, ${NODES * CONCURRENCY} clients spread over the nodes, median of ${rounds}\n\n`
    + markdownTable(['mode', 'op', 'peer transport', 'req/s', 'min–max', 'p50 ms', 'p99 ms', 'node CPU µs/req', 'errors', 'frames ÷ http'], rows,
      [false, false, false, true, true, true, true, true, true, true]);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

/** `items` starting at a different one each round. */
function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

if (flag('--serve') >= 0) {
  await serveWire(argv[flag('--serve') + 1] as Wire);
} else {
  await runMain(main);
}
