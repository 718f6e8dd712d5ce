/**
 * What the Chord paper (Stoica et al., SIGCOMM 2001, §6) reports, for the charts and
 * tables beside ours. Only what its text states is here, as formulas: the figures' exact
 * points are not copied (see docs/scale.md for the setups and what we could not check).
 */

/** Fig. 10: mean path length ≈ ½·log2 N, for N = 2^3 … 2^14 (2^k nodes, 100·2^k keys). */
export const paperMeanPath = (n: number): number => 0.5 * Math.log2(n);

/** Fig. 11: after a fraction p of 10^4 nodes fails at once and the ring stabilizes, the lookup failure rate ≈ p (no replication). */
export const paperFailedLookups = (p: number): number => p;

/** A key with k copies on consecutive nodes is lost only if all k fail: p^k (independent failures; what k = 3 should approach). */
export const allCopiesFail = (p: number, k: number): number => p ** k;

/** §4: a join or leave re-establishes the routing invariants and fingers with O(log² N) messages. */
export const logSquared = (n: number): number => Math.log2(n) ** 2;
