/**
 * Warming a setup up until it is steady. A node process runs unoptimised code until V8 has
 * seen a path a few thousand times, and a ring node sees only its share of the requests: on
 * this machine a fresh 10-node ring needed about 25,000 requests before its inserts stopped
 * getting faster (1,982 → 1,004 µs of server CPU per insert over four 5,000-request runs),
 * where etcd, compiled ahead of time, is steady at once. A fixed warm-up therefore measured
 * the ring cold and the yardsticks warm. Instead every setup warms up in batches, each
 * proportional to its endpoints (every process gets its share), until a batch is no longer
 * clearly faster than the best before it.
 */

/** A batch is "clearly faster" when it beats the best earlier batch by more than this factor. */
export const STILL_WARMING = 1.1;

/**
 * Whether to go on warming up, given the throughput of the batches so far (oldest first): at
 * least `min` batches, at most `max`, and in between only while the last one is still clearly
 * faster than every batch before it.
 */
export function keepWarming(throughputs: readonly number[], min: number, max: number): boolean {
  if (throughputs.length < min) return true;
  if (throughputs.length >= max) return false;
  const last = throughputs[throughputs.length - 1];
  const bestBefore = Math.max(...throughputs.slice(0, -1));
  return last > STILL_WARMING * bestBefore;
}

/** Requests of each operation in one warm-up batch: `perEndpoint` for each endpoint, at least `floor`. */
export const warmBatch = (endpoints: number, perEndpoint: number, floor: number) => Math.max(floor, perEndpoint * endpoints);
