import type { Argv } from 'yargs';
import { fileParallelCommand } from '../actions/file-runs.js';
import { FILE_TYPES } from '../file-format.js';
import { checkWhole, firstProblem } from '../flags.js';
import { clientOptions, run } from './shared.js';

export const command = 'fileparallel <path>';
export const describe = 'run the requests of a file with concurrent workers bound to the nodes; print throughput and latency percentiles';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('path', { type: 'string', demandOption: true, describe: 'the request file' })
  .option('type', { choices: FILE_TYPES, demandOption: true, describe: 'insert: "key, value"; query: "key"; mix: "insert, key, value" or "query, key"' })
  .option('direct', { type: 'boolean', default: false, describe: 'send each request to the node that answers it (the key\'s owner), learned from the ring, instead of a random node' })
  .option('concurrency', { type: 'number', default: 1, describe: 'workers per node (all pull from one queue)' })
  .check((argv) => firstProblem(checkWhole('--concurrency', argv.concurrency, 1, 1024)))
  .example('$0 fileparallel fixtures/insert.txt --type insert --concurrency 4', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, (printer) => fileParallelCommand({
  path: argv.path, type: argv.type, node: argv.node, timeoutMs: argv.timeout, secret: argv.secret, direct: argv.direct,
  concurrency: argv.concurrency,
  progress: !argv.json && process.stderr.isTTY === true,
}, printer));
