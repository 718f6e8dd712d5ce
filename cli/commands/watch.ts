import type { Argv } from 'yargs';
import { watch } from '../actions/watch.js';
import { clientFlags, clientOptions, operands, run } from './shared.js';

export const command = 'watch [KEY]';
export const describe = 'print every change of a key as it happens (value, version, deleted), until Ctrl-C';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('KEY', { type: 'string', describe: 'the key (or --key)' })
  .option('key', { type: 'string', describe: 'the key' })
  .example('$0 watch "Hey Jude"', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const given = operands(printer, argv, [{ name: 'key', positional: 'KEY' }]);
  return given ? watch(clientFlags(argv), printer, given[0]) : 2;
});
