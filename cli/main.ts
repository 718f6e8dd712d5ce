/** The chordkv command line: one yargs command module per command. */
import yargs, { type CommandModule } from 'yargs';
import * as bootstrap from './commands/bootstrap.js';
import * as del from './commands/delete.js';
import * as depart from './commands/depart.js';
import * as dump from './commands/dump.js';
import * as file from './commands/file.js';
import * as fileparallel from './commands/fileparallel.js';
import * as insert from './commands/insert.js';
import * as node from './commands/node.js';
import * as overlay from './commands/overlay.js';
import * as query from './commands/query.js';
import * as status from './commands/status.js';
import * as up from './commands/up.js';

// Each module is typed by its own builder; yargs only needs the common shape.
const COMMANDS = [bootstrap, node, up, insert, query, del, depart, overlay, file, fileparallel, status, dump] as unknown as CommandModule[];
const NAMES = [...COMMANDS.map((c) => String(c.command).split(' ')[0]), 'help'];

/** Parses `args` (without node and script) and runs the command. */
export async function main(args: string[]): Promise<void> {
  const first = args[0];
  if (first !== undefined && !first.startsWith('-') && !NAMES.includes(first)) {
    const close = NAMES.find((name) => name.slice(0, 3) === first.slice(0, 3));
    process.stderr.write(`error: unknown command "${first}"${close ? `; did you mean "${close}"?` : ''}\n`
      + `commands: ${NAMES.join(', ')} (chordkv --help)\n`);
    process.exit(2);
  }
  const cli = yargs(args).scriptName('chordkv').env('CHORDKV');
  for (const command of COMMANDS) cli.command(command);
  await cli
    .command('help', 'show this help', {}, () => { cli.showHelp('log'); })
    .demandCommand(1, 'name a command; see chordkv --help')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, err) => {
      if (err) throw err;
      process.stderr.write(`error: ${message}\nrun "chordkv --help" for usage\n`);
      process.exit(2);
    })
    .parseAsync();
}
