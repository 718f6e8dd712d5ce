/**
 * `npm run bench:idle [-- N ...]`: what an idle ring costs, by ring size. For each N (default
 * 5, 10, 20) a fresh linearizable k=3 ring of real node processes, left alone for a warm-up,
 * then measured over a window: CPU of all its processes together (% of one core) and the
 * node-to-node calls they made per second, by call path. Nothing is written to the ring, so
 * all of it is maintenance. Run with the machine otherwise idle.
 */
import { callCounts, callsBetween, totalCalls } from './lib/messages.js';
import { cpuMeter } from './lib/proc-cpu.js';
import { startRing } from './lib/ring.js';
import { markdownTable } from './lib/table.js';

const WARMUP_MS = Number(process.env.IDLE_WARMUP_MS ?? 30_000);
const WINDOW_MS = 10_000;
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rows: (string | number)[][] = [];
for (const nodes of sizes.length > 0 ? sizes : [5, 10, 20]) {
  const ring = await startRing({ k: 3, consistency: 'linearizable' }, nodes, undefined, (process.env.IDLE_NODE_ARGS ?? '').split(' ').filter(Boolean));
  try {
    await sleep(WARMUP_MS);
    const before = await callCounts(ring.addresses);
    const meter = cpuMeter(ring.pids);
    await sleep(WINDOW_MS);
    const cpu = meter.read();
    const calls = callsBetween(before, await callCounts(ring.addresses));
    const seconds = cpu?.wallSeconds ?? WINDOW_MS / 1000;
    const mix = [...calls].sort((a, b) => b[1] - a[1]).slice(0, 5)
      .map(([path, n]) => `${path.replace(/^\/rpc\//, '')} ${(n / seconds).toFixed(0)}`).join(', ');
    rows.push([nodes, cpu ? ((cpu.seconds / cpu.wallSeconds) * 100).toFixed(1) : '?', (totalCalls(calls) / seconds).toFixed(0), mix]);
    console.error(`N = ${nodes} measured`);
  } finally {
    await ring.stop();
  }
}
console.log(markdownTable(['nodes', 'idle CPU, % of one core', 'calls/s', 'biggest paths, calls/s'], rows));
