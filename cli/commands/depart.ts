import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, run } from './shared.js';

export const command = 'depart';
export const describe = 'make the node given by --node leave the ring gracefully, handing its data on';
export const builder = (yargs: Argv) => clientOptions(yargs);
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) =>
  run(argv, (printer) => actions.depart(clientFlags(argv), printer));
