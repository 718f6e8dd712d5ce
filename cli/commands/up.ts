import type { Argv } from 'yargs';
import { runUp } from '../actions/up.js';
import { checkWhole, firstProblem } from '../flags.js';
import { ringFlags, ringOptions } from './ring-options.js';

export const command = 'up';
export const describe = 'start a whole local ring (bootstrap + nodes) and stop it on Ctrl-C';
export const builder = (yargs: Argv) => ringOptions(yargs, 3)
  .option('nodes', { type: 'number', default: 5, describe: 'how many nodes, the bootstrap included' })
  .option('host', { type: 'string', default: '127.0.0.1' })
  .option('base-port', { type: 'number', default: 5000, describe: 'port of the bootstrap; node i gets base-port + i (0: free ports)' })
  .option('secret', { type: 'string', describe: 'cluster secret for node-to-node calls' })
  .option('log-level', { choices: ['debug', 'info', 'warn', 'error', 'silent'] as const, default: 'warn' as const })
  .option('json', { type: 'boolean', default: false, describe: 'print the ring as one JSON line' })
  .check((argv) => firstProblem(
    checkWhole('--nodes', argv.nodes, 1, 256), checkWhole('-k', argv.k, 1, 64), checkWhole('--base-port', argv.basePort, 0, 65535),
  ));
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => runUp({
  nodes: argv.nodes, ...ringFlags(argv), host: argv.host,
  basePort: argv.basePort, secret: argv.secret, logLevel: argv.logLevel, json: argv.json,
});
