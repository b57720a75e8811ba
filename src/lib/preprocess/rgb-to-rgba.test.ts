import { describe, expect, it } from 'vitest';
import { rgbToRgba } from './rgb-to-rgba.ts';

describe('rgbToRgba', () => {
  it('keeps each pixel and makes it opaque', () => {
    const rgb = Uint8Array.from([1, 2, 3, 250, 251, 252]);
    expect([...rgbToRgba(rgb, 2, 1)]).toEqual([1, 2, 3, 255, 250, 251, 252, 255]);
  });

  it('refuses a buffer of the wrong size', () => {
    expect(() => rgbToRgba(new Uint8Array(5), 2, 1)).toThrow(/2x1 RGB needs 6 bytes, got 5/);
  });
});
