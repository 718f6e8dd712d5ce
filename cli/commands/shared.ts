/** Options every client command shares, and the glue from parsed flags to actions. */
import type { Argv } from 'yargs';
import type { ClientFlags } from '../actions/client.js';
import { usage } from '../actions/client.js';
import { checkAddress, checkPositive, firstProblem } from '../flags.js';
import { consolePrinter, printError, type Printer } from '../output.js';

/**
 * `direct`: whether this command shows --direct (the commands that name one key, and the REPL,
 * which hands it on to them). Every client command declares it, hidden where it changes
 * nothing, so that CHORDKV_DIRECT (exported in a shell, or set by `repl --direct`) is not an
 * unknown argument to them.
 */
export function clientOptions<T>(yargs: Argv<T>, direct: 'shown' | 'hidden' = 'hidden') {
  return yargs
    .option('node', { type: 'string', default: '127.0.0.1:5000', describe: 'node to talk to, HOST:PORT (env CHORDKV_NODE)' })
    .option('json', { type: 'boolean', default: false, describe: 'print machine-readable JSON' })
    .option('timeout', { type: 'number', default: 15000, describe: 'request deadline in ms' })
    .option('secret', { type: 'string', describe: 'cluster secret (env CHORDKV_SECRET)' })
    .option('direct', {
      type: 'boolean', default: false, hidden: direct === 'hidden',
      describe: 'token-aware: learn the ring from --node, then send the request to the node that answers it (the key\'s head or owner) (env CHORDKV_DIRECT)',
    })
    .check((argv) => firstProblem(checkAddress('--node', argv.node), checkPositive('--timeout', argv.timeout)));
}

export function clientFlags(argv: { node: string; json: boolean; timeout: number; secret?: string; direct?: boolean }): ClientFlags {
  return { node: argv.node, json: argv.json, timeout: argv.timeout, secret: argv.secret, direct: argv.direct };
}

/** Runs an action and sets the process exit code from its result. */
export async function run(argv: { json: boolean }, action: (printer: Printer) => Promise<number>): Promise<void> {
  const printer = consolePrinter(argv.json);
  process.exitCode = await action(printer);
}

/** A text argument as yargs parsed it (a number when it looked like one). */
const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);

/** One operand of a command: its positional (upper case in the usage line) and its --option. */
export interface Operand {
  readonly name: string;
  readonly positional: string;
  /** May it be the empty string? (Keys may not; values may.) */
  readonly mayBeEmpty?: boolean;
}

/**
 * The operands of a command, each given once: as its positional, after `--` (so that text
 * starting with `-` is reachable), or as its --option. `elsewhere` is an operand taken from
 * somewhere else (a file) that must not also be given. Returns undefined after printing a
 * usage error (missing, given twice, empty where it may not be, or one too many).
 */
export function operands(printer: Printer, argv: Record<string, unknown>, wanted: readonly Operand[], elsewhere?: Operand): string[] | undefined {
  const afterDashes = ((argv['--'] as unknown[] | undefined) ?? []).map(String);
  const values: string[] = [];
  if (elsewhere && (text(argv[elsewhere.positional]) !== undefined || text(argv[elsewhere.name]) !== undefined)) {
    process.exitCode = printError(printer, usage(`the ${elsewhere.name} is given twice: as --${elsewhere.name}-file and as an argument or --${elsewhere.name}; give it once`));
    return undefined;
  }
  for (const operand of wanted) {
    const positional = text(argv[operand.positional]) ?? afterDashes.shift();
    const option = text(argv[operand.name]);
    let problem: string | undefined;
    if (positional !== undefined && option !== undefined) problem = `the ${operand.name} is given twice: as an argument and as --${operand.name}; give it once`;
    const value = positional ?? option;
    if (value === undefined) problem ??= `missing ${operand.name}: give it as an argument or as --${operand.name} (after -- when it starts with -)`;
    else if (value === '' && !operand.mayBeEmpty) problem ??= `the ${operand.name} must not be empty`;
    if (problem) {
      process.exitCode = printError(printer, usage(problem));
      return undefined;
    }
    values.push(value!);
  }
  if (afterDashes.length > 0) {
    process.exitCode = printError(printer, usage(`unexpected argument ${JSON.stringify(afterDashes[0])}`));
    return undefined;
  }
  return values;
}
