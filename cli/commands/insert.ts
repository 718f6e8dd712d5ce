import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { checkDuration, checkWhole, durationMs, firstProblem } from '../flags.js';
import { printError } from '../output.js';
import { clientFlags, clientOptions, operands, run, type Operand } from './shared.js';

export const command = 'insert [KEY] [VALUE]';
export const describe = 'insert a pair, or overwrite the value of an existing key';
export const builder = (yargs: Argv) => clientOptions(yargs, 'shown')
  .positional('KEY', { type: 'string', describe: 'the key (or --key)' })
  .positional('VALUE', { type: 'string', describe: 'the value, possibly empty (or --value, or --value-file)' })
  .option('key', { type: 'string', describe: 'the key' })
  .option('value', { type: 'string', describe: 'the value' })
  .option('value-file', { type: 'string', describe: 'read the value from this file, or from stdin when it is -' })
  .option('if-version', { type: 'number', describe: 'compare-and-set: write only if the key is at this version (query --json shows it)' })
  .option('if-absent', { type: 'boolean', describe: 'compare-and-set: write only if the key has no value' })
  .option('context', { type: 'string', describe: 'quorum rings: the context a query printed; the write replaces the versions (siblings) it showed' })
  .option('ttl', { type: 'string', describe: 'time to live: the pair reads as absent after it, and is removed (500ms, 30s, 5m, 2h, 1d)' })
  .conflicts('if-version', 'if-absent')
  .check((argv) => firstProblem(checkWhole('--if-version', argv.ifVersion, 0), checkDuration('--ttl', argv.ttl)))
  .example('$0 insert "Hey Jude" "The Beatles"', '')
  .example('$0 insert lyrics --value-file lyrics.txt', '')
  .example('$0 insert -- -starts-with-a-dash "a value"', '');

const KEY: Operand = { name: 'key', positional: 'KEY' };
const VALUE: Operand = { name: 'value', positional: 'VALUE', mayBeEmpty: true };

export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const fromFile = argv.valueFile !== undefined;
  // With --value-file the value is the file: a VALUE argument or --value as well is one too many.
  const given = operands(printer, argv, fromFile ? [KEY] : [KEY, VALUE], fromFile ? VALUE : undefined);
  if (!given) return 2;
  const [key] = given;
  let value = given[1];
  if (fromFile) {
    try {
      value = await actions.readValue(argv.valueFile!);
    } catch (err) {
      return printError(printer, err);
    }
  }
  const ttlMs = argv.ttl === undefined ? undefined : durationMs(argv.ttl);
  return actions.insert(clientFlags(argv), printer, key, value, { ifVersion: argv.ifVersion, ifAbsent: argv.ifAbsent || undefined, ttlMs, context: argv.context });
});
