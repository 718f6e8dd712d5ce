import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { checkWhole, firstProblem } from '../flags.js';
import { clientFlags, clientOptions, operands, run } from './shared.js';

export const command = 'query [KEY]';
export const describe = "read the value of a key; '*' lists every pair in the ring, grouped by node";
export const builder = (yargs: Argv) => clientOptions(yargs, 'shown')
  .positional('KEY', { type: 'string', describe: "the key (or --key), or '*'" })
  .option('key', { type: 'string', describe: 'the key' })
  .option('literal', { type: 'boolean', default: false, describe: "read a key literally named '*' instead of every pair" })
  .option('prefix', { type: 'string', describe: 'every pair whose key starts with this, sorted by key (instead of one key)' })
  .option('limit', { type: 'number', describe: 'with --prefix: at most this many pairs' })
  .check((argv) => firstProblem(
    checkWhole('--limit', argv.limit, 1),
    argv.limit !== undefined && argv.prefix === undefined ? '--limit goes with --prefix' : undefined,
    argv.literal && argv.prefix !== undefined ? '--literal and --prefix exclude each other' : undefined,
    argv.prefix !== undefined && (argv.KEY !== undefined || argv.key !== undefined) ? 'query takes a key or --prefix, not both' : undefined,
  ))
  .example('$0 query --prefix user:', '')
  .example('$0 query "Hey Jude"', '')
  .example("$0 query '*'", '')
  .example("$0 query '*' --literal", '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, async (printer) => {
  if (argv.prefix !== undefined) return actions.scan(clientFlags(argv), printer, argv.prefix, argv.limit);
  const given = operands(printer, argv, [{ name: 'key', positional: 'KEY' }]);
  return given ? actions.query(clientFlags(argv), printer, given[0], argv.literal) : 2;
});
