import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, required, run } from './shared.js';

export const command = 'delete [key]';
export const describe = 'delete a key and its value';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('key', { type: 'string', describe: 'the key (also --key)' });
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const key = required(printer, argv.key, 'key');
  return key === undefined ? 2 : actions.remove(clientFlags(argv), printer, key);
});
