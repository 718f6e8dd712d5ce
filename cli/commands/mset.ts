import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { printError } from '../output.js';
import { clientFlags, clientOptions, run } from './shared.js';

export const command = 'mset <PAIRS..>';
export const describe = 'insert many pairs in one request: KEY VALUE KEY VALUE …';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('PAIRS', { type: 'string', array: true, demandOption: true, describe: 'keys and values, alternating' })
  .example('$0 mset "Hey Jude" "The Beatles" "Let It Be" "The Beatles"', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  const words = argv.PAIRS.map(String);
  if (words.length % 2 !== 0) return printError(printer, actions.usage(`mset takes keys and values in pairs; "${words.at(-1)}" has no value`));
  const ops = Array.from({ length: words.length / 2 }, (_, i) => ({ op: 'put' as const, key: words[2 * i], value: words[2 * i + 1] }));
  return actions.batch(clientFlags(argv), printer, ops);
});
