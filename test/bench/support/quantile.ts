/**
 * The q-quantile (0..1) of ascending values by nearest rank, as every bench here reports its
 * percentiles. (Lives under support/ so test/bench/run.ts does not take it for a benchmark.)
 */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
