/** The ring-wide settings a new ring is created with (bootstrap, up): k, consistency, and quorum mode's R, W and sloppy. */
import type { Argv } from 'yargs';
import type { RingFlags } from '../../bootstrap/ring-args.js';
import { CONSISTENCIES } from '../../common/wire.js';
import { quorumProblems } from '../../node/config.js';

export function ringOptions<T>(yargs: Argv<T>, defaultK: number) {
  return yargs
    .option('k', { alias: 'replicas', type: 'number', default: defaultK, describe: 'replication factor of the ring (N in quorum mode)' })
    .option('consistency', { choices: CONSISTENCIES, default: 'linearizable' as const })
    .option('r', { type: 'number', describe: 'quorum mode: copies a read waits for (default a majority of k)' })
    .option('w', { type: 'number', describe: 'quorum mode: copies a write waits for (default a majority of k)' })
    .option('sloppy', { type: 'boolean', default: false, describe: 'quorum mode: stand-ins take writes for copies that are down, and hand them over later' })
    // One line and exit 2, before anything starts.
    .check((argv) => quorumProblems({ k: argv.k, consistency: argv.consistency, r: argv.r, w: argv.w, sloppy: argv.sloppy })[0] ?? true);
}

export const ringFlags = (argv: RingFlags): Required<Pick<RingFlags, 'sloppy'>> & RingFlags =>
  ({ k: argv.k, consistency: argv.consistency, r: argv.r, w: argv.w, sloppy: argv.sloppy ?? false });
