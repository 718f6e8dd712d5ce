/**
 * The soak run, bounded: 20 s of paced load on a loopback ring with one kill -9 and restart,
 * sampled every 2 s. It checks the machinery (samples, memory read from the node processes,
 * operations, no death it did not cause), not the memory curve: that needs the long run,
 * `npm run soak`.
 */
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSoak } from '../../torture/soak-run.js';
import { summaryLines } from '../../torture/soak-report.js';
import { ensureBuilt } from '../helpers/processes.js';

test('soak: 20 s under a paced load with a kill -9 and restart: samples with positive RSS, operations, no node died', async (t) => {
  ensureBuilt();
  const out = await mkdtemp(join(tmpdir(), 'chordkv-soak-test-'));
  const result = await runSoak({
    mode: 'linearizable', nodes: 4, k: 3, seconds: 20, rate: 100, keys: 200, churnEverySeconds: 9,
    sampleEverySeconds: 2, warmupSeconds: 4, maxGrowth: 3, seed: 20261203, out, say: (line) => t.log(line),
  });
  for (const line of summaryLines(result)) t.log(line);

  const [header, ...rows] = (await readFile(join(out, 'soak.csv'), 'utf8')).trim().split('\n').map((line) => line.split(','));
  t.true(rows.length >= 8, `only ${rows.length} samples`);
  const nodeColumns = header.flatMap((name, i) => (/^node\d+_rss_mb$/.test(name) ? [i] : []));
  t.is(nodeColumns.length, 4);
  for (const row of rows) {
    // A node being restarted has no process to measure; every other cell must be a real size.
    const sizes = nodeColumns.map((i) => row[i]).filter((cell) => cell !== '').map(Number);
    t.true(sizes.length >= 3 && sizes.every((mb) => mb > 10), `RSS row ${row.join(',')}`);
  }
  t.true(result.ops > 1000, `only ${result.ops} operations`);
  // At 9 s; the next would fall too close to the end (18 s of 20) and is skipped.
  t.is(result.churnSpans.length, 1, 'one kill -9 and restart');
  t.true(result.memory.every((m) => m.startMb > 0 && m.endMb > 0));
  t.deepEqual(result.problems, [], `samples, summary and node logs kept in ${out}`);
  t.true(result.ok);
  t.regex(await readFile(join(out, 'soak.svg'), 'utf8'), /^<svg [^>]*>[\s\S]*<path d="M/);
  if (result.ok) await rm(out, { recursive: true, force: true });
});
