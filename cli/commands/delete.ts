import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, operands, run } from './shared.js';

export const command = 'delete [KEY]';
export const describe = 'delete a key and its value';
export const builder = (yargs: Argv) => clientOptions(yargs, 'shown')
  .positional('KEY', { type: 'string', describe: 'the key (or --key)' })
  .option('key', { type: 'string', describe: 'the key' })
  .option('context', { type: 'string', describe: 'quorum rings: the context a query printed; the delete replaces the versions it showed' });
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const given = operands(printer, argv, [{ name: 'key', positional: 'KEY' }]);
  return given ? actions.remove(clientFlags(argv), printer, given[0], argv.context === undefined ? {} : { context: argv.context }) : 2;
});
