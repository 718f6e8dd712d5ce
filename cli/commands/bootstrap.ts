import type { Argv } from 'yargs';
import { runBootstrapProcess } from '../../bootstrap/bootstrap.js';
import { nodeFlags, nodeOptions } from './node-options.js';
import { ringFlags, ringOptions } from './ring-options.js';

export const command = 'bootstrap';
export const describe = 'start the bootstrap node: create a ring and fix its k and consistency';
export const builder = (yargs: Argv) => ringOptions(nodeOptions(yargs), 1)
  .example('$0 bootstrap --port 5000 -k 3 --consistency quorum --r 2 --w 2 --sloppy', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) =>
  runBootstrapProcess({ ...nodeFlags(argv), ...ringFlags(argv) });
