/** The chordkv command line: one yargs command module per command (cli/parser.ts), plus the repl. */
import type { CommandModule } from 'yargs';
import * as repl from './commands/repl.js';
import { buildParser, commandName, COMMANDS } from './parser.js';

const ALL = [...COMMANDS, repl as unknown as CommandModule];
const NAMES = [...ALL.map(commandName), 'help', 'completion'];

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
  const cli = buildParser(ALL, args);
  await cli
    .command('help [command]', 'show this help, or the help of one command', (y) => y.positional('command', { type: 'string' }),
      async (argv) => {
        if (argv.command && NAMES.includes(argv.command) && argv.command !== 'help') await main([argv.command, '--help']);
        else cli.showHelp('log');
      })
    .completion('completion', 'print a bash/zsh completion script (add its output to your shell profile)')
    .demandCommand(1, 'name a command; see chordkv --help')
    .fail((message, err: unknown) => {
      // A failed flag check arrives as its message (a string), a flag yargs could not read (an
      // unreadable --config) as its YError; a command's own failure as any other Error.
      if (err instanceof Error && err.name !== 'YError') throw err;
      process.stderr.write(`error: ${message}\nrun "chordkv --help" for usage\n`);
      process.exit(2);
    })
    .parseAsync();
}
