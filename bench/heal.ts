/**
 * Time to heal after a crash with the default maintenance settings: a 10-node in-process
 * ring (k=3), 300 pairs, one node stopped with no goodbye; measures until every key is
 * back on exactly its 3 replica nodes, and counts how requests fared meanwhile.
 * `node --import=tsx bench/heal.ts [runs]`.
 */
import { DEFAULT_CONFIG } from '../node/config.js';
import { TestCluster } from '../test/helpers/cluster.js';

const runs = Number(process.argv[2] ?? 3);
const defaults = {
  maintenanceIntervalMs: DEFAULT_CONFIG.maintenanceIntervalMs,
  antiEntropyRounds: DEFAULT_CONFIG.antiEntropyRounds,
  requestTimeoutMs: DEFAULT_CONFIG.requestTimeoutMs,
  retryDeadlineMs: DEFAULT_CONFIG.retryDeadlineMs,
  lockLeaseMs: DEFAULT_CONFIG.lockLeaseMs,
};

console.log(`| run | heal time (s) | reads during healing | ok | 503/504 | wrong | mean read latency (ms) |`);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (let run = 1; run <= runs; run++) {
  const cluster = await TestCluster.start(10, { k: 3, config: defaults });
  try {
    const expected = new Map<string, string>();
    for (let i = 0; i < 300; i++) {
      await cluster.kv.put(cluster.random().address, `heal ${i}`, `v${i}`);
      expected.set(`heal ${i}`, `v${i}`);
    }
    const victim = cluster.nodes[1 + Math.floor(Math.random() * (cluster.nodes.length - 1))];
    const started = Date.now();
    await cluster.crash(victim);
    let healing = true;
    const stats = { reads: 0, ok: 0, unavailable: 0, wrong: 0, ms: 0 };
    const reader = (async () => {
      const keys = [...expected.keys()];
      while (healing) {
        const key = keys[Math.floor(Math.random() * keys.length)];
        const t0 = Date.now();
        try {
          const { value } = await cluster.kv.get(cluster.random().address, key);
          if (value === expected.get(key)) stats.ok++;
          else stats.wrong++;
        } catch (err) {
          if ([503, 504].includes((err as { status?: number }).status ?? 0)) stats.unavailable++;
          else stats.wrong++;
        }
        stats.reads++;
        stats.ms += Date.now() - t0;
      }
    })();
    for (;;) {
      const problems = await cluster.placementProblems(expected, 3).catch(() => ['unreadable']);
      if (problems.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    healing = false;
    await reader;
    console.log(`| ${run} | ${seconds.toFixed(2)} | ${stats.reads} | ${stats.ok} | ${stats.unavailable} | ${stats.wrong} | ${(stats.ms / Math.max(1, stats.reads)).toFixed(1)} |`);
  } finally {
    await cluster.teardown();
  }
}
