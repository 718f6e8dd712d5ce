/**
 * `npm run torture -- [--mode M] [--seconds S] [--clients C] [--keys K] [--nemesis kill,pause,...] [--seed N]`:
 * one run, a summary line, the history and verdict under --out; exit 1 on a violation or a loss.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CONSISTENCIES } from '../common/wire.js';
import { FAULTS, type Fault } from './nemesis.js';
import { runTorture, summaryLine } from './run.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('npm run torture --')
  .option('mode', { choices: CONSISTENCIES, default: 'linearizable' as const })
  .option('seconds', { type: 'number', default: 60 })
  .option('clients', { type: 'number', default: 12 })
  .option('keys', { type: 'number', default: 4 })
  .option('nodes', { type: 'number', default: 5, describe: 'members at the start' })
  .option('k', { type: 'number', default: 3 })
  .option('nemesis', { type: 'string', default: FAULTS.join(','), describe: `comma-separated: ${FAULTS.join(', ')} (empty: none)` })
  .option('seed', { type: 'number', describe: 'replays a run (default: from the clock)' })
  .option('out', { type: 'string', describe: 'where the history, the verdict and the node logs go (default: a new temp dir)' })
  .option('loopback', { type: 'boolean', describe: 'every node a process on 127.0.0.1, even as root (no partitions)' })
  .option('memory', { type: 'boolean', describe: 'every node in this process on the in-memory network (what runs without root), even as root' })
  .option('hold', { type: 'string', default: '2-4', describe: 'how long each fault lasts, in seconds: MIN-MAX (or one number)' })
  .option('log-level', { choices: ['error', 'warn', 'info', 'debug'] as const, default: 'warn' as const, describe: 'the node processes\' log level (their logs go to the output directory)' })
  .conflicts('loopback', 'memory')
  .check((args) => {
    const unknown = args.nemesis.split(',').filter((f) => f && !(FAULTS as readonly string[]).includes(f));
    if (unknown.length > 0) throw new Error(`unknown nemesis ${unknown.join(', ')}; choose from ${FAULTS.join(', ')}`);
    for (const name of ['seconds', 'clients', 'keys', 'nodes', 'k'] as const) {
      if (!(args[name] > 0) || !Number.isInteger(args[name])) throw new Error(`--${name} must be a positive whole number`);
    }
    if (args.k > args.nodes) throw new Error('-k must not exceed --nodes');
    holdOf(args.hold);
    return true;
  })
  .strict()
  .help()
  .parseSync();

/** `--hold MIN-MAX` (or one number) in seconds, as milliseconds; throws a usage error otherwise. */
function holdOf(text: string): [number, number] {
  const parts = text.split('-').map(Number);
  const [min, max] = parts.length === 1 ? [parts[0], parts[0]] : parts;
  if (parts.length > 2 || !(min > 0) || !(max >= min) || !Number.isFinite(max)) throw new Error(`--hold must be seconds as MIN-MAX with 0 < MIN <= MAX, or one number (got ${JSON.stringify(text)})`);
  return [min * 1000, max * 1000];
}

const seed = argv.seed ?? Date.now() % 1_000_000;
const out = argv.out ?? join(tmpdir(), `chordkv-torture-${seed}-${process.pid}`);
const result = await runTorture({
  mode: argv.mode, seconds: argv.seconds, clients: argv.clients, keys: argv.keys, nodes: argv.nodes, k: argv.k,
  faults: argv.nemesis.split(',').filter(Boolean) as Fault[], seed, out, network: argv.loopback ? 'loopback' : argv.memory ? 'memory' : 'auto',
  logLevel: argv.logLevel, holdMs: holdOf(argv.hold),
  say: (line) => console.log(line),
});
for (const line of result.report) console.log(line);
console.log(summaryLine(result));
console.log(`history, verdict and node logs: ${out}`);
process.exitCode = result.ok ? 0 : 1;
