/**
 * `npm run bench:pbs`: quorum mode's staleness, PBS-style: the probability that a read
 * misses a write acknowledged t ms earlier, for R = W = 1 against R = W = 2 (N = 3, 10 nodes),
 * written to docs/experiments.md (section 4) with a chart in docs/charts/. How it is measured,
 * and why a healthy ring alone would show nothing: bench/lib/pbs.ts.
 *
 * The settings' rounds run in interleaved blocks, each on a fresh ring, so that a burst of
 * outside load hits both settings rather than one. About three minutes; --quick: one short
 * round per setting, written to a temporary directory unless --out is given.
 * Options: --rounds N (per setting, default 4), --out DIR (default docs/).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './lib/cleanup.js';
import { loadAverage, machineFacts } from './lib/machine.js';
import { measurePbs, type PbsOptions, type PbsRun, type PbsSetting } from './lib/pbs.js';
import { writePbsReport } from './lib/pbs-report.js';
import { REPO } from './lib/ring.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const outFlag = argv.indexOf('--out');
const OUT = outFlag >= 0 ? argv[outFlag + 1] : quick ? join(tmpdir(), 'chordkv-pbs-quick') : join(REPO, 'docs');
const roundsFlag = argv.indexOf('--rounds');
const ROUNDS = roundsFlag >= 0 ? Math.max(1, Number(argv[roundsFlag + 1]) || 1) : quick ? 1 : 4;
/** Rounds per block: each block is a fresh ring, blocks of the two settings alternate. */
const BLOCK = 2;
const SETTINGS: PbsSetting[] = [{ r: 1, w: 1 }, { r: 2, w: 2 }];

const OPTIONS: PbsOptions = {
  nodes: 10,
  k: 3,
  // A few milliseconds per leg: a replica on a busy LAN; t = 50 ms lies well past the tail.
  lagMs: 5,
  agesMs: [0, 1, 5, 10, 50],
  rounds: ROUNDS,
  windowMs: quick ? 300 : 1500,
  clients: 16,
};

async function main(): Promise<void> {
  const facts = machineFacts();
  const loadBefore = loadAverage();
  const started = Date.now();
  const runs = new Map<string, PbsRun>();
  for (let done = 0; done < ROUNDS; done += BLOCK) {
    const rounds = Math.min(BLOCK, ROUNDS - done);
    for (const setting of SETTINGS) {
      console.error(`quorum staleness: R=${setting.r} W=${setting.w}, rounds ${done + 1}-${done + rounds} of ${ROUNDS}…`);
      const run = await measurePbs(setting, { ...OPTIONS, rounds }, `${done}`);
      const id = `${setting.r} ${setting.w}`;
      const before = runs.get(id);
      runs.set(id, before ? merge(before, run) : run);
    }
  }
  const path = await writePbsReport(OUT, {
    quick, facts, options: OPTIONS, runs: [...runs.values()],
    loadBefore, loadAfter: loadAverage(), minutes: Math.round((Date.now() - started) / 600) / 100,
  });
  console.error(`wrote ${path}`);
}

/** Two blocks of one setting as one run. */
function merge(a: PbsRun, b: PbsRun): PbsRun {
  const readErrors = { ...a.readErrors };
  for (const [code, n] of Object.entries(b.readErrors)) readErrors[code] = (readErrors[code] ?? 0) + n;
  return {
    ...a, samples: [...a.samples, ...b.samples], healthy: [...a.healthy, ...b.healthy], rounds: a.rounds + b.rounds,
    writeErrors: a.writeErrors + b.writeErrors, readErrors, seconds: a.seconds + b.seconds,
  };
}

await runMain(main);
