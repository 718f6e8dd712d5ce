/**
 * The yargs parser both the one-shot command line and the repl run: the same command modules,
 * flags, environment defaults and dash handling, so a line typed at the prompt means what it
 * means in the shell.
 */
import { packageVersion } from '../common/version.js';
import yargs, { type Argv, type CommandModule } from 'yargs';
import * as bootstrap from './commands/bootstrap.js';
import * as del from './commands/delete.js';
import * as depart from './commands/depart.js';
import * as dump from './commands/dump.js';
import * as file from './commands/file.js';
import * as fileparallel from './commands/fileparallel.js';
import * as insert from './commands/insert.js';
import * as mget from './commands/mget.js';
import * as mset from './commands/mset.js';
import * as node from './commands/node.js';
import * as overlay from './commands/overlay.js';
import * as query from './commands/query.js';
import * as status from './commands/status.js';
import * as up from './commands/up.js';
import * as watchCommand from './commands/watch.js';

// Each module is typed by its own builder; yargs only needs the common shape.
export const COMMANDS = [bootstrap, node, up, insert, query, del, mget, mset, watchCommand, depart, overlay, file, fileparallel, status, dump] as unknown as CommandModule[];

export const commandName = (command: CommandModule) => String(command.command).split(' ')[0];

/** A parser for `args` with `commands`; callers add help, failure handling and exiting. */
export function buildParser(commands: readonly CommandModule[], args: string[] = []): Argv {
  const cli = yargs(shieldDashes(args)).scriptName('chordkv').env('CHORDKV')
    // `-dash` is an unknown option, not -d -a -s -h; text after `--` is an operand, never a flag.
    .parserConfiguration({ 'short-option-groups': false, 'populate--': true })
    .middleware(unshieldDashes, true)
    .middleware(lastOfRepeated, true);
  for (const command of commands) cli.command(command);
  return cli
    .strict()
    .help()
    .alias('h', 'help')
    .version(packageVersion())
    .wrap(Math.min(100, process.stdout.columns || 100));
}

/** Operands that take many words (mset PAIRS, mget KEYS); every other option holds one value. */
const VARIADIC = new Set(['_', '--', 'PAIRS', 'KEYS']);

/**
 * A flag given twice takes its last value, as most command lines do (`--log-level info
 * --log-level warn`), instead of the array yargs makes, which no option expects (the logger
 * crashed on one). yargs' own switch for this also splits variadic operands, so not that.
 */
function lastOfRepeated(argv: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(argv)) if (Array.isArray(value) && !VARIADIC.has(name)) argv[name] = value.at(-1);
}

/**
 * yargs reads a lone `-` (stdin, by convention: `--value-file -`) as an empty string, so it
 * travels past the parser under another name and is given back its own right after.
 */
const LONE_DASH = '\u0000-';
export const shieldDashes = (args: string[]) => {
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  return args.map((arg, i) => (arg === '-' && i < end ? LONE_DASH : arg));
};
function unshieldDashes(argv: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(argv)) if (value === LONE_DASH) argv[name] = '-';
}
