import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, run } from './shared.js';

export const command = 'overlay';
export const describe = 'print the ring, node by node, in ring order';
export const builder = (yargs: Argv) => clientOptions(yargs);
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) =>
  run(argv, (printer) => actions.overlay(clientFlags(argv), printer));
