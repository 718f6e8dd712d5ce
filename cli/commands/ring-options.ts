/** The ring-wide settings a new ring is created with (bootstrap, up): k, consistency, quorum mode's R, W and sloppy, and virtual nodes. */
import type { Argv } from 'yargs';
import type { RingFlags } from '../../bootstrap/ring-args.js';
import { vnodeProblems } from '../../common/vnodes.js';
import { CONSISTENCIES } from '../../common/wire.js';
import { quorumProblems } from '../../node/config.js';

export function ringOptions<T>(yargs: Argv<T>, defaultK: number) {
  return yargs
    .option('k', { alias: 'replicas', type: 'number', default: defaultK, describe: 'replication factor of the ring (N in quorum mode)' })
    .option('consistency', { choices: CONSISTENCIES, default: 'linearizable' as const })
    .option('r', { type: 'number', describe: 'quorum mode: copies a read waits for (default a majority of k)' })
    .option('w', { type: 'number', describe: 'quorum mode: copies a write waits for (default a majority of k)' })
    .option('sloppy', { type: 'boolean', default: false, describe: 'quorum mode: stand-ins take writes for copies that are down, and hand them over later' })
    .option('vnodes', { type: 'number', default: 1, describe: 'ring ids per process (virtual nodes), for every process of the ring' })
    // One line and exit 2, before anything starts.
    .check((argv) => quorumProblems({ k: argv.k, consistency: argv.consistency, r: argv.r, w: argv.w, sloppy: argv.sloppy })[0]
      ?? vnodeProblems(argv.vnodes, 1)[0] ?? true);
}

export const ringFlags = (argv: RingFlags): Required<Pick<RingFlags, 'sloppy'>> & RingFlags =>
  ({ k: argv.k, consistency: argv.consistency, r: argv.r, w: argv.w, sloppy: argv.sloppy ?? false, vnodes: argv.vnodes });
