/** The chordkv command line: one yargs command module per command. */
import { packageVersion } from '../common/version.js';
import yargs, { type CommandModule } from 'yargs';
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
const COMMANDS = [bootstrap, node, up, insert, query, del, mget, mset, watchCommand, depart, overlay, file, fileparallel, status, dump] as unknown as CommandModule[];
const NAMES = [...COMMANDS.map((c) => String(c.command).split(' ')[0]), 'help', 'completion'];

/** Parses `args` (without node and script) and runs the command. */
export async function main(args: string[]): Promise<void> {
  // A reader that stops early (`chordkv query '*' | head -1`) is not an error of ours.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const first = args[0];
  if (first !== undefined && !first.startsWith('-') && !NAMES.includes(first)) {
    const close = NAMES.find((name) => name.slice(0, 3) === first.slice(0, 3));
    process.stderr.write(`error: unknown command "${first}"${close ? `; did you mean "${close}"?` : ''}\n`
      + `commands: ${NAMES.join(', ')} (chordkv --help)\n`);
    process.exit(2);
  }
  const cli = yargs(shieldDashes(args)).scriptName('chordkv').env('CHORDKV')
    // `-dash` is an unknown option, not -d -a -s -h; text after `--` is an operand, never a flag.
    .parserConfiguration({ 'short-option-groups': false, 'populate--': true })
    .middleware(unshieldDashes, true);
  for (const command of COMMANDS) cli.command(command);
  await cli
    .command('help [command]', 'show this help, or the help of one command', (y) => y.positional('command', { type: 'string' }),
      async (argv) => {
        if (argv.command && NAMES.includes(argv.command) && argv.command !== 'help') await main([argv.command, '--help']);
        else cli.showHelp('log');
      })
    .completion('completion', 'print a bash/zsh completion script (add its output to your shell profile)')
    .demandCommand(1, 'name a command; see chordkv --help')
    .strict()
    .help()
    .alias('h', 'help')
    .version(packageVersion())
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, err: unknown) => {
      // A failed flag check arrives as its message (a string), a flag yargs could not read (an
      // unreadable --config) as its YError; a command's own failure as any other Error.
      if (err instanceof Error && err.name !== 'YError') throw err;
      process.stderr.write(`error: ${message}\nrun "chordkv --help" for usage\n`);
      process.exit(2);
    })
    .parseAsync();
}

/**
 * yargs reads a lone `-` (stdin, by convention: `--value-file -`) as an empty string, so it
 * travels past the parser under another name and is given back its own right after.
 */
const LONE_DASH = '\u0000-';
const shieldDashes = (args: string[]) => {
  const end = args.includes('--') ? args.indexOf('--') : args.length;
  return args.map((arg, i) => (arg === '-' && i < end ? LONE_DASH : arg));
};
function unshieldDashes(argv: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(argv)) if (value === LONE_DASH) argv[name] = '-';
}
