import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { ringStatus } from '../actions/ring-status.js';
import { clientFlags, clientOptions, run } from './shared.js';

export const command = 'status';
export const describe = "one node's view: id, predecessor, successors, fingers, key counts; --ring: every node in one table";
export const builder = (yargs: Argv) => clientOptions(yargs)
  .option('ring', { type: 'boolean', default: false, describe: 'one row per node of the ring (state, share of the ids, keys held), walked from --node' })
  .example('$0 status --ring', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) =>
  run(argv, (printer) => (argv.ring ? ringStatus(clientFlags(argv), printer) : actions.status(clientFlags(argv), printer)));
