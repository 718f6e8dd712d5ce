import type { Argv } from 'yargs';
import { usage } from '../actions/client.js';
import { watch } from '../actions/watch.js';
import { printError } from '../output.js';
import { clientFlags, clientOptions, operands, run } from './shared.js';

export const command = 'watch [KEY]';
export const describe = 'print every change of a key (or of every key under --prefix) as it happens, until Ctrl-C';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('KEY', { type: 'string', describe: 'the key (or --key)' })
  .option('key', { type: 'string', describe: 'the key' })
  .option('prefix', { type: 'string', describe: 'watch every key that starts with this instead' })
  .example('$0 watch "Hey Jude"', '')
  .example('$0 watch --prefix user:', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  if (argv.prefix !== undefined) {
    if (argv.KEY !== undefined || argv.key !== undefined) return printError(printer, usage('watch takes a key or --prefix, not both'));
    return watch(clientFlags(argv), printer, { prefix: argv.prefix });
  }
  const given = operands(printer, argv, [{ name: 'key', positional: 'KEY' }]);
  return given ? watch(clientFlags(argv), printer, { key: given[0] }) : 2;
});
