import type { Argv } from 'yargs';
import { runNodeProcess } from '../../node/main.js';
import { checkAddress, firstProblem } from '../flags.js';
import { nodeFlags, nodeOptions } from './node-options.js';

export const command = 'node';
export const describe = 'start a node that joins the ring through the bootstrap node (or any live member)';
export const builder = (yargs: Argv) => nodeOptions(yargs)
  .option('bootstrap', { type: 'string', default: '127.0.0.1:5000', describe: 'HOST:PORT of a ring member to join through' })
  .check((argv) => firstProblem(checkAddress('--bootstrap', argv.bootstrap)));
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) =>
  runNodeProcess({ ...nodeFlags(argv), contact: argv.bootstrap });
