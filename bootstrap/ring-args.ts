/** The ring-wide settings a new ring is created with, as flags and as the bootstrap process's arguments. */
import type { Consistency } from '../common/wire.js';

export interface RingFlags {
  k: number;
  consistency: Consistency;
  /** Quorum mode's read and write quorums (default: majorities of k) and sloppy quorum. */
  r?: number;
  w?: number;
  sloppy?: boolean;
  /** Ring ids per process (virtual nodes); default 1. */
  vnodes?: number;
}

export function ringArgs({ k, consistency, r, w, sloppy, vnodes }: RingFlags): string[] {
  return ['-k', String(k), '--consistency', consistency, ...(r === undefined ? [] : ['--r', String(r)]),
    ...(w === undefined ? [] : ['--w', String(w)]), ...(sloppy ? ['--sloppy'] : []), ...((vnodes ?? 1) > 1 ? ['--vnodes', String(vnodes)] : [])];
}
