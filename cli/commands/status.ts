import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, run } from './shared.js';

export const command = 'status';
export const describe = "one node's view: id, predecessor, successors, fingers, key counts";
export const builder = (yargs: Argv) => clientOptions(yargs);
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) =>
  run(argv, (printer) => actions.status(clientFlags(argv), printer));
