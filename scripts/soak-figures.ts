/**
 * The soak's summary figures (scripts/soak.ts): how much a measure grew after the warm-up runs, from the
 * samples taken after each run. Memory sampled between runs swings with garbage collection in the workers
 * (which a page cannot force), so the two ends compared are medians of a few runs, not single samples.
 * Pure, so the arithmetic is tested (soak-figures.test.ts).
 */

export interface Growth {
  /** How many runs each end's median is taken over. */
  window: number;
  /** Median of the first `window` runs after the warm-up. */
  base: number;
  /** Median of the last `window` runs. */
  last: number;
  /** The largest value after the warm-up. */
  peak: number;
  /** last vs base, in %. */
  growthPct: number;
  /** peak vs base, in %. */
  peakPct: number;
  /** Least-squares slope over the runs after the warm-up, per run (0 with fewer than two). */
  perRun: number;
}

/**
 * Growth of `values` (one per run, in order) after the first `warmup` runs, comparing medians over windows of
 * up to `window` runs at each end (fewer when the runs after the warm-up do not fill two); null when fewer
 * than two runs follow the warm-up.
 */
export function growthAfterWarmup(values: number[], warmup: number, window = 5): Growth | null {
  const after = values.slice(warmup);
  const w = Math.min(window, Math.floor(after.length / 2));
  if (w < 1) return null;
  const base = median(after.slice(0, w));
  const last = median(after.slice(-w));
  const peak = Math.max(...after);
  return {
    window: w,
    base,
    last,
    peak,
    growthPct: ((last - base) / base) * 100,
    peakPct: ((peak - base) / base) * 100,
    perRun: slope(after),
  };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Least-squares slope of `ys` against their index. */
function slope(ys: number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of ys.entries()) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return num / den;
}
