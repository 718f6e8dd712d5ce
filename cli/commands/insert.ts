import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { checkWhole, firstProblem } from '../flags.js';
import { clientFlags, clientOptions, operands, run } from './shared.js';

export const command = 'insert [KEY] [VALUE]';
export const describe = 'insert a pair, or overwrite the value of an existing key';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('KEY', { type: 'string', describe: 'the key (or --key)' })
  .positional('VALUE', { type: 'string', describe: 'the value, possibly empty (or --value)' })
  .option('key', { type: 'string', describe: 'the key' })
  .option('value', { type: 'string', describe: 'the value' })
  .option('if-version', { type: 'number', describe: 'compare-and-set: write only if the key is at this version (query --json shows it)' })
  .option('if-absent', { type: 'boolean', describe: 'compare-and-set: write only if the key has no value' })
  .conflicts('if-version', 'if-absent')
  .check((argv) => firstProblem(checkWhole('--if-version', argv.ifVersion, 0)))
  .example('$0 insert "Hey Jude" "The Beatles"', '')
  .example('$0 insert -- -starts-with-a-dash "a value"', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const given = operands(printer, argv, [{ name: 'key', positional: 'KEY' }, { name: 'value', positional: 'VALUE', mayBeEmpty: true }]);
  if (!given) return 2;
  const [key, value] = given;
  return actions.insert(clientFlags(argv), printer, key, value, { ifVersion: argv.ifVersion, ifAbsent: argv.ifAbsent || undefined });
});
