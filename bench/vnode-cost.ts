/**
 * `npm run bench:vnodes`: what virtual nodes cost a running ring. 10 processes in one Node
 * process on the in-memory network (real ChordNodes, real maintenance), V = 1 and 32:
 *   - heap per process after the ring has formed (after a GC);
 *   - mean and max forwards of 1,000 writes entering at random processes, once every ring
 *     id's fingers have converged (or after 3 minutes, said in the table), beside the model
 *     of bench/lib/hop-model.ts for the same ring;
 *   - CPU of the idle ring (maintenance alone) over 5 s, in % of one core for all 10;
 *   - how long the ring took to form: one process creating it, nine joining one after another.
 * Run with the machine otherwise idle; absolute numbers vary between runs, the V = 32 / V = 1
 * ratios less so.
 */
import { fingerTable, hashId } from '../common/ring.js';
import { ringIdsOf, vnodeAddress, VirtualRing } from '../common/vnodes.js';
import { TestCluster, waitFor } from '../test/helpers/cluster.js';
import { modelHops } from './lib/hop-model.js';
import { markdownTable } from './lib/table.js';

const PROCESSES = 10;
const WRITES = 1_000;
const VS = (process.argv.slice(2).map(Number).filter((v) => v > 0));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench:vnodes does)');

const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

function converged(cluster: TestCluster): boolean {
  const ids = cluster.nodes.flatMap((n) => n.vnodes.map((v) => v.self));
  return cluster.nodes.every((n) => n.vnodes.every((v) => fingerTable(v.self.id, ids)
    .every((p, i) => (p.id === v.self.id ? undefined : p.address) === v.routing.fingers[i]?.address)));
}

const rows: (string | number)[][] = [];
for (const vnodes of VS.length > 0 ? VS : [1, 32]) {
  const before = heap();
  const startedAt = performance.now();
  const cluster = await TestCluster.start(PROCESSES, { k: 1, transport: 'memory', config: { vnodes, maintenanceIntervalMs: 500 } });
  const formedS = (performance.now() - startedAt) / 1000;
  try {
    const ok = await waitFor(() => converged(cluster), 180_000, 500);
    const perProcess = (heap() - before) / PROCESSES;
    let total = 0;
    let max = 0;
    let answered = 0;
    const failures = new Map<string, number>();
    for (let i = 0; i < WRITES; i++) {
      try {
        const { hops } = await cluster.kv.put(cluster.random().address, `cost ${vnodes} ${i}`, 'x');
        total += hops;
        max = Math.max(max, hops);
        answered++;
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'ERROR';
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
    }
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const cpu = process.cpuUsage(cpuStart);
    const idle = ((cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)) * 100;
    const ring = new VirtualRing(cluster.nodes.flatMap((n) => ringIdsOf(n.address, n.vnodes.length)
      .map((id, i) => ({ id, address: n.address, member: vnodeAddress(n.address, i, n.vnodes.length) }))));
    const model = modelHops(ring, Array.from({ length: WRITES }, (_, i) => hashId(`cost ${vnodes} ${i}`)), 8);
    rows.push([vnodes, PROCESSES * vnodes, (perProcess / 1024 / 1024).toFixed(2), (total / answered).toFixed(2), max,
      model.idForwards.toFixed(2), ok ? 'yes' : 'no (3 min)', idle.toFixed(1), formedS.toFixed(1), [...failures].map(([code, n]) => `${n} ${code}`).join(', ') || 'none']);
    console.error(`V=${vnodes} done`);
  } finally {
    await cluster.teardown();
  }
}
console.log(markdownTable(['V', 'ring ids', 'heap MiB / process', 'mean hops', 'max hops', 'model hops', 'fingers converged', 'idle CPU % (10 processes)', 'ring formed in s', 'failed writes'], rows));
