import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, operands, run } from './shared.js';

export const command = 'insert [KEY] [VALUE]';
export const describe = 'insert a pair, or overwrite the value of an existing key';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('KEY', { type: 'string', describe: 'the key (or --key)' })
  .positional('VALUE', { type: 'string', describe: 'the value, possibly empty (or --value)' })
  .option('key', { type: 'string', describe: 'the key' })
  .option('value', { type: 'string', describe: 'the value' })
  .example('$0 insert "Hey Jude" "The Beatles"', '')
  .example('$0 insert -- -starts-with-a-dash "a value"', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const given = operands(printer, argv, [{ name: 'key', positional: 'KEY' }, { name: 'value', positional: 'VALUE', mayBeEmpty: true }]);
  if (!given) return 2;
  const [key, value] = given;
  return actions.insert(clientFlags(argv), printer, key, value);
});
