/** Small, pure statistics for run summaries: latency percentiles and rounding. */

/** Latency distribution of a run, in milliseconds. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The `p`-th percentile (0–100) of `values` by the nearest-rank method: the smallest value
 * that at least `p` percent of the values do not exceed. It is always one of the values
 * (no interpolation), so a p99 is a latency that really happened. NaN for no values.
 * Throws RangeError when `p` is outside 0–100.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return nearestRank(sorted, p);
}

/** p50, p90, p99, max and mean of `values`, rounded to hundredths; all 0 for no values. */
export function latencySummary(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  // Sorted once for every percentile; runs may hold many thousand latencies.
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, v) => total + v, 0);
  return {
    p50: round(nearestRank(sorted, 50), 2),
    p90: round(nearestRank(sorted, 90), 2),
    p99: round(nearestRank(sorted, 99), 2),
    max: round(sorted[sorted.length - 1], 2),
    mean: round(sum / sorted.length, 2),
  };
}

/** Requests per second; 0 when nothing ran, so a summary never holds Infinity or NaN. */
export function throughput(requests: number, seconds: number): number {
  if (requests === 0 || seconds <= 0) return 0;
  return round(requests / seconds, 1);
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}
