import type { Argv } from 'yargs';
import * as actions from '../actions/dump.js';
import { clientOptions, run } from './shared.js';

export const command = 'dump';
export const describe = 'every pair one node holds, with versions, roles and tombstones: live (--node) or from a stopped node\'s --data-dir';
export const builder = (yargs: Argv) => clientOptions(yargs)
  .option('data-dir', { type: 'string', describe: "read a stopped node's data dir instead of asking a live node (--node is then ignored)" })
  .option('full', { type: 'boolean', default: false, describe: 'print long keys and values whole instead of cutting them' })
  .example('$0 dump --node 127.0.0.1:5001', '')
  .example('$0 dump --data-dir data/127.0.0.1-5001 --json', '');
export const handler = (argv: Awaited<ReturnType<typeof builder>['argv']>) => run(argv, (printer) => actions.dump({
  node: argv.node, dataDir: argv.dataDir, json: argv.json, timeout: argv.timeout, secret: argv.secret, full: argv.full,
}, printer));
