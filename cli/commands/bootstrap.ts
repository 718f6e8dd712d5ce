import type { Argv } from 'yargs';
import { runBootstrapProcess } from '../../bootstrap/bootstrap.js';
import { CONSISTENCIES } from '../../common/wire.js';
import { nodeFlags, nodeOptions } from './node-options.js';

export const command = 'bootstrap';
export const describe = 'start the bootstrap node: create a ring and fix its k and consistency';
export const builder = (yargs: Argv) => nodeOptions(yargs)
  .option('k', { alias: 'replicas', type: 'number', default: 1, describe: 'replication factor of the ring' })
  .option('consistency', { choices: CONSISTENCIES, default: 'linearizable' as const });
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) =>
  runBootstrapProcess({ ...nodeFlags(argv), k: argv.k, consistency: argv.consistency });
