import type { Argv } from 'yargs';
import * as actions from '../actions/client.js';
import { clientFlags, clientOptions, run } from './shared.js';

export const command = 'mget <KEYS..>';
export const describe = 'read many keys in one request';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .positional('KEYS', { type: 'string', array: true, demandOption: true, describe: 'the keys' })
  .example('$0 mget "Hey Jude" "Let It Be"', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) =>
  run(argv, (printer) => actions.batch(clientFlags(argv), printer, argv.KEYS.map((key) => ({ op: 'get' as const, key: String(key) }))));
