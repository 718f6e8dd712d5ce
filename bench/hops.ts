/**
 * Mean routing hops against ring size (in-process rings, fingers converged first):
 * `node --import=tsx bench/hops.ts [sizes...]`. Prints a markdown table.
 */
import { hashId, fingerTable } from '../common/ring.js';
import { TestCluster, waitFor } from '../test/helpers/cluster.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const LOOKUPS = 500;

function converged(cluster: TestCluster): boolean {
  const ring = cluster.nodes.map((n) => ({ id: hashId(n.address), address: n.address }));
  return cluster.nodes.every((n) => fingerTable(n.node.self.id, ring)
    .every((p, i) => (p.address === n.address ? undefined : p.address) === n.node.routing.fingers[i]?.address));
}

console.log('| N | ½·log2 N + 1 | mean hops | max hops | lookups | fingers converged |');
console.log('| ---: | ---: | ---: | ---: | ---: | :---: |');
for (const size of sizes.length > 0 ? sizes : [8, 16, 32, 64]) {
  const cluster = await TestCluster.start(size, { k: 1, config: { maintenanceIntervalMs: Math.max(150, size * 10) } });
  try {
    const ok = await waitFor(() => converged(cluster), 120_000, 250);
    let total = 0;
    let max = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const { hops } = await cluster.kv.put(cluster.random().address, `hops ${size} ${i}`, 'x');
      total += hops;
      max = Math.max(max, hops);
    }
    console.log(`| ${size} | ${(0.5 * Math.log2(size) + 1).toFixed(2)} | ${(total / LOOKUPS).toFixed(2)} | ${max} | ${LOOKUPS} | ${ok ? 'yes' : 'no'} |`);
  } finally {
    await cluster.teardown();
  }
}
