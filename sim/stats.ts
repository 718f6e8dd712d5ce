/** Summaries of measured samples: mean and percentiles (nearest rank), as the paper's figures show them. */

export interface Summary {
  count: number;
  mean: number;
  p1: number;
  p50: number;
  p99: number;
  max: number;
}

/** The nearest-rank percentile `q` (0–100) of samples already sorted ascending; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.length === 0 ? NaN : sorted.reduce((sum, v) => sum + v, 0) / sorted.length;
  return {
    count: sorted.length, mean, p1: percentile(sorted, 1), p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN,
  };
}

/** A number for a table: at most `digits` decimals, no trailing zeros. */
export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
