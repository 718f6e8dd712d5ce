/** Draws from the simulation's seeded generator (torture/prng.ts), so a run replays from its seed. */
import type { Rng } from '../torture/prng.js';

/** `count` distinct items of `items`, in random order (a partial Fisher–Yates shuffle). */
export function sample<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n);
}

/** The wait until the next event of a Poisson process with `ratePerMs` events per millisecond. */
export const exponentialMs = (rng: Rng, ratePerMs: number): number => -Math.log(1 - rng.next()) / ratePerMs;

/** A random ring id, as 40 hex digits. */
export const randomIdHex = (rng: Rng): string => rng.string(40, '0123456789abcdef');
