/**
 * `npm run soak -- [--minutes M] [--nodes N] [--k K] [--mode M] [--rate R] [--no-churn] [--seed S] [--out DIR]`:
 * a long run under a paced load with occasional kill -9 and restart, sampling memory every
 * 10 s; soak.csv, soak.svg and summary.json under --out; exit 1 when a node died on its
 * own, the ring stopped answering, or a node's memory grew more than --max-growth times.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CONSISTENCIES } from '../common/wire.js';
import { runSoak } from './soak-run.js';
import { summaryLines } from './soak-report.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('npm run soak --')
  .option('minutes', { type: 'number', default: 30 })
  .option('nodes', { type: 'number', default: 5 })
  .option('k', { type: 'number', default: 3 })
  .option('mode', { choices: CONSISTENCIES, default: 'linearizable' as const })
  .option('rate', { type: 'number', default: 200, describe: 'target operations per second (paced)' })
  .option('keys', { type: 'number', default: 2000, describe: 'the bounded key space' })
  .option('churn', { type: 'boolean', default: true, describe: 'every --churn-minutes, kill -9 and restart a random non-bootstrap node (--no-churn: never)' })
  .option('churn-minutes', { type: 'number', default: 5 })
  .option('sample-seconds', { type: 'number', default: 10 })
  .option('warmup-seconds', { type: 'number', default: 60, describe: 'the memory baseline is the sample at this time' })
  .option('max-growth', { type: 'number', default: 3, describe: 'fail when a node ends with more than this many times its baseline RSS' })
  .option('seed', { type: 'number', describe: 'replays the load and the churn choices (default: from the clock)' })
  .option('out', { type: 'string', describe: 'where soak.csv, soak.svg, summary.json and the node logs go (default: a new temp dir)' })
  .check((args) => {
    for (const name of ['minutes', 'nodes', 'k', 'rate', 'keys', 'sample-seconds', 'max-growth'] as const) {
      if (!(args[name] > 0)) throw new Error(`--${name} must be positive`);
    }
    if (args.k > args.nodes) throw new Error('--k must not exceed --nodes');
    if (args.churn && args.nodes < 2) throw new Error('churn needs a node besides the bootstrap node');
    return true;
  })
  .strict()
  .help()
  .parseSync();

const seed = argv.seed ?? Date.now() % 1_000_000;
const out = argv.out ?? join(tmpdir(), `chordkv-soak-${seed}-${process.pid}`);
const result = await runSoak({
  mode: argv.mode, nodes: argv.nodes, k: argv.k, seconds: argv.minutes * 60, rate: argv.rate, keys: argv.keys,
  churnEverySeconds: argv.churn ? argv['churn-minutes'] * 60 : 0, sampleEverySeconds: argv['sample-seconds'],
  warmupSeconds: argv['warmup-seconds'], maxGrowth: argv['max-growth'], seed, out, say: (line) => console.log(line),
});
for (const line of summaryLines(result)) console.log(line);
console.log(`soak.csv, soak.svg, summary.json and node logs: ${out}`);
process.exitCode = result.ok ? 0 : 1;
