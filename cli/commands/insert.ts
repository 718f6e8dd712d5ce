import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, required, run } from './shared.js';

export const command = 'insert [key] [value]';
export const describe = 'insert a pair, or overwrite the value of an existing key';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('key', { type: 'string', describe: 'the key (also --key)' })
  .positional('value', { type: 'string', describe: 'the value (also --value)' })
  .example('$0 insert "Hey Jude" "The Beatles"', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const key = required(printer, argv.key, 'key');
  const value = key === undefined ? undefined : required(printer, argv.value, 'value');
  if (key === undefined || value === undefined) return 2;
  return actions.insert(clientFlags(argv), printer, key, value);
});
