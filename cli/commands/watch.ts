import type { Argv } from 'yargs';
import { firstProblem } from '../flags.js';
import { watch } from '../actions/watch.js';
import { clientFlags, clientOptions, operands, run } from './shared.js';

export const command = 'watch [KEY]';
export const describe = 'print every change of a key (or of every key under --prefix) as it happens, until Ctrl-C';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('KEY', { type: 'string', describe: 'the key (or --key)' })
  .option('key', { type: 'string', describe: 'the key' })
  .option('prefix', { type: 'string', describe: 'watch every key that starts with this instead' })
  .check((argv) => firstProblem(
    argv.prefix !== undefined && (argv.KEY !== undefined || argv.key !== undefined) ? 'watch takes a key or --prefix, not both' : undefined,
  ))
  .example('$0 watch "Hey Jude"', '')
  .example('$0 watch --prefix user:', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  if (argv.prefix !== undefined) return watch(clientFlags(argv), printer, { prefix: argv.prefix });
  const given = operands(printer, argv, [{ name: 'key', positional: 'KEY' }]);
  return given ? watch(clientFlags(argv), printer, { key: given[0] }) : 2;
});
