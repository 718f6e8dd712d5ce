import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, required, run } from './shared.js';

export const command = 'query [key]';
export const describe = "read the value of a key; '*' lists every pair in the ring, grouped by node";
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('key', { type: 'string', describe: "the key (also --key), or '*'" })
  .example('$0 query "Hey Jude"', '')
  .example("$0 query '*'", '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const key = required(printer, argv.key, 'key');
  return key === undefined ? 2 : actions.query(clientFlags(argv), printer, key);
});
