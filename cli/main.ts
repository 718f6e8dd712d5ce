/** The chordkv command line: one yargs command module per command. */
import yargs from 'yargs';
import * as bootstrap from './commands/bootstrap.js';
import * as del from './commands/delete.js';
import * as depart from './commands/depart.js';
import * as file from './commands/file.js';
import * as fileparallel from './commands/fileparallel.js';
import * as insert from './commands/insert.js';
import * as node from './commands/node.js';
import * as overlay from './commands/overlay.js';
import * as query from './commands/query.js';
import * as status from './commands/status.js';
import * as up from './commands/up.js';

/** Parses `args` (without node and script) and runs the command. */
export async function main(args: string[]): Promise<void> {
  const cli = yargs(args);
  await cli
    .scriptName('chordkv')
    .env('CHORDKV')
    .command(bootstrap)
    .command(node)
    .command(up)
    .command(insert)
    .command(query)
    .command(del)
    .command(depart)
    .command(overlay)
    .command(file)
    .command(fileparallel)
    .command(status)
    .command('help', 'show this help', {}, () => { cli.showHelp('log'); })
    .demandCommand(1, 'name a command; see chordkv --help')
    .recommendCommands()
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
