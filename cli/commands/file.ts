import type { Argv } from 'yargs';
import { fileCommand } from '../actions/file-runs.js';
import { FILE_TYPES } from '../file-format.js';
import { clientOptions, run } from './shared.js';

export const command = 'file <path>';
export const describe = 'run the requests of a file one after another, each on a random node; print every answer, then throughput';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('path', { type: 'string', demandOption: true, describe: 'the request file' })
  .option('type', { choices: FILE_TYPES, demandOption: true, describe: 'insert: "key, value"; query: "key"; mix: "insert, key, value" or "query, key"' })
  .option('direct', { type: 'boolean', default: false, describe: 'send each request to the node that answers it (the key\'s owner), learned from the ring, instead of a random node' })
  .example('$0 file fixtures/insert.txt --type insert', '')
  .example('$0 file fixtures/requests.txt --type mix --json', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, (printer) => fileCommand({
  path: argv.path, type: argv.type, node: argv.node, timeoutMs: argv.timeout, secret: argv.secret, direct: argv.direct,
  // The answers scrolling past are the progress when stdout is the terminal; a bar would tear them.
  progress: !argv.json && process.stderr.isTTY === true && process.stdout.isTTY !== true,
}, printer));
