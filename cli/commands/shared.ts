/** Options every client command shares, and the glue from parsed flags to actions. */
import type { Argv } from 'yargs';
import type { ClientFlags } from '../actions/client.js';
import { consolePrinter, printError, type Printer } from '../output.js';
import { usage } from '../actions/client.js';

export function clientOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('node', { type: 'string', default: '127.0.0.1:5000', describe: 'node to talk to, HOST:PORT (env CHORDKV_NODE)' })
    .option('json', { type: 'boolean', default: false, describe: 'print machine-readable JSON' })
    .option('timeout', { type: 'number', default: 15000, describe: 'request deadline in ms' })
    .option('secret', { type: 'string', describe: 'cluster secret (env CHORDKV_SECRET)' });
}

export function clientFlags(argv: { node: string; json: boolean; timeout: number; secret?: string }): ClientFlags {
  return { node: argv.node, json: argv.json, timeout: argv.timeout, secret: argv.secret };
}

/** Runs an action and sets the process exit code from its result. */
export async function run(argv: { json: boolean }, action: (printer: Printer) => Promise<number>): Promise<void> {
  const printer = consolePrinter(argv.json);
  process.exitCode = await action(printer);
}

/** A required text argument given as a positional or as --name; exit 2 when absent. */
export function required(printer: Printer, value: unknown, name: string): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number') return String(value);
  process.exitCode = printError(printer, usage(`missing ${name}: give it as an argument or as --${name}`));
  return undefined;
}
