/** Local rings for benchmarks: real node processes from the compiled executable, on free ports. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchRing } from '../../bootstrap/launcher.js';
import type { RingFlags } from '../../bootstrap/ring-args.js';
import { trackStarting } from './cleanup.js';

/** The repository root, so that runs work from any working directory. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const fixture = (name: string) => join(REPO, 'fixtures', name);

export interface BenchRing {
  addresses: string[];
  /** The node processes, in the order of `addresses`. */
  pids: number[];
  stop(): Promise<void>;
}

/**
 * A fresh ring of `nodes` processes with the ring-wide settings `flags` (k, the mode, and in
 * quorum mode R, W and sloppy). Log level warn: info logs on stderr would cost the nodes CPU
 * that the measurement is meant to give to requests.
 */
export async function startRing(flags: RingFlags, nodes = 10, dataRoot?: string, nodeArgs: readonly string[] = []): Promise<BenchRing> {
  const ring = await trackStarting(launchRing({
    executable: join(REPO, 'bin', 'chordkv.js'),
    ...flags, nodes, host: '127.0.0.1', basePort: 0, logLevel: 'warn', dataRoot, nodeArgs,
  }));
  return { addresses: ring.addresses, pids: ring.pids, stop: ring.stop };
}
