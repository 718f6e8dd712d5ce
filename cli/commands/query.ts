import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, operands, run } from './shared.js';

export const command = 'query [KEY]';
export const describe = "read the value of a key; '*' lists every pair in the ring, grouped by node";
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('KEY', { type: 'string', describe: "the key (or --key), or '*'" })
  .option('key', { type: 'string', describe: 'the key' })
  .option('literal', { type: 'boolean', default: false, describe: "read a key literally named '*' instead of every pair" })
  .example('$0 query "Hey Jude"', '')
  .example("$0 query '*'", '')
  .example("$0 query '*' --literal", '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const given = operands(printer, argv, [{ name: 'key', positional: 'KEY' }]);
  return given ? actions.query(clientFlags(argv), printer, given[0], argv.literal) : 2;
});
