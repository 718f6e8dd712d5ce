import type { Argv } from 'yargs';
import { runRepl } from '../repl/session.js';
import { clientFlags, clientOptions } from './shared.js';

export const command = 'repl';
export const describe = 'an interactive prompt: the client commands, one per line, against --node (\\help lists them)';
export const builder = (yargs: Argv) => clientOptions(yargs, 'shown');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => runRepl(clientFlags(argv));
