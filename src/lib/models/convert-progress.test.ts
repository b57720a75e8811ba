import { describe, expect, it } from 'vitest';
import { progressLine, readRate, secondsLeft } from './convert-progress.ts';

describe('conversion progress', () => {
  const base = { weight: 10, weights: 40, readBytes: 400e6, elapsedMs: 0, bytesRead: 0 };

  it('has no rate or time left before anything is read', () => {
    expect(readRate(base)).toBeNull();
    expect(secondsLeft(base)).toBeNull();
    expect(progressLine(base)).toBe('tensor 10 of 40 · 0 B of 400.0 MB read');
  });

  it('gives the read rate and the time left at that rate', () => {
    const p = { ...base, bytesRead: 100e6, elapsedMs: 4000 };
    expect(readRate(p)).toBe(25e6);
    expect(secondsLeft(p)).toBe(12);
    expect(progressLine(p)).toBe('tensor 10 of 40 · 100.0 MB of 400.0 MB read · 25.0 MB/s · about 12 s left');
  });

  it('says minutes and hours for long conversions, and no time left once done', () => {
    expect(progressLine({ ...base, bytesRead: 1e6, elapsedMs: 1000 })).toMatch(/about 7 min left$/);
    expect(progressLine({ ...base, bytesRead: 1e6, elapsedMs: 10_000 })).toMatch(/about 1 h 7 min left$/);
    expect(progressLine({ ...base, weight: 40, bytesRead: 400e6, elapsedMs: 8000 })).toBe(
      'tensor 40 of 40 · 400.0 MB of 400.0 MB read · 50.0 MB/s',
    );
  });
});
