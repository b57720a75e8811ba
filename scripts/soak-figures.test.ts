import { describe, expect, it } from 'vitest';
import { growthAfterWarmup } from './soak-figures.ts';

describe('growthAfterWarmup', () => {
  it('compares the median of the first runs after the warm-up with that of the last runs', () => {
    // Warm-up 2 runs; then 6 runs: windows of 3 at each end. One swing (900) moves neither median.
    const g = growthAfterWarmup([1000, 700, 400, 900, 410, 420, 404, 430], 2)!;
    expect(g.window).toBe(3);
    expect(g.base).toBe(410);
    expect(g.last).toBe(420);
    expect(g.growthPct).toBeCloseTo((10 / 410) * 100, 10);
    expect(g.peak).toBe(900);
    expect(g.peakPct).toBeCloseTo((490 / 410) * 100, 10);
  });

  it('takes at most `window` runs at each end, averaging the middle two of an even window', () => {
    const values = [9, 9, 100, 104, 102, 106, 0, 0, 0, 0, 120, 124, 122, 126];
    const g = growthAfterWarmup(values, 2, 4)!;
    expect(g.window).toBe(4);
    expect(g.base).toBe(103);
    expect(g.last).toBe(123);
  });

  it('fits a least-squares slope per run after the warm-up', () => {
    // Through (0, 404), (1, 410), (2, 408), (3, 416): slope 17 / 5.
    expect(growthAfterWarmup([1, 404, 410, 408, 416], 1)!.perRun).toBeCloseTo(3.4, 10);
  });

  it('reads flat memory as no growth', () => {
    expect(growthAfterWarmup([300, 200, 200, 200, 200], 1)).toEqual({
      window: 2,
      base: 200,
      last: 200,
      peak: 200,
      growthPct: 0,
      peakPct: 0,
      perRun: 0,
    });
  });

  it('has nothing to say with fewer than two runs after the warm-up', () => {
    expect(growthAfterWarmup([1, 2, 3, 4], 3)).toBeNull();
    expect(growthAfterWarmup([1, 2], 5)).toBeNull();
  });
});
