import { describe, expect, it } from 'vitest';
import { orientToRgb } from './frame-to-rgb.ts';

/** A 3x2 RGBX image whose pixel k holds (k, 10k, 100+k, 255). */
const W = 3;
const H = 2;
const src = new Uint8Array(W * H * 4).map((_, i) => [i >> 2, 10 * (i >> 2), 100 + (i >> 2), 255][i % 4]);
/** The upright result as pixel numbers of the source (reads the red channel). */
const pixels = (r: { data: Uint8Array; width: number; height: number }) =>
  Array.from({ length: r.height }, (_, y) => Array.from({ length: r.width }, (_, x) => r.data[(y * r.width + x) * 3]));

describe('orientToRgb', () => {
  // Source pixels:  0 1 2
  //                 3 4 5
  it('packs RGBX to RGB unchanged at rotation 0', () => {
    const r = orientToRgb(src, W, H, 4, 0, false);
    expect(pixels(r)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(Array.from(r.data.subarray(12, 15))).toEqual([4, 40, 104]);
  });
  it('turns clockwise by the rotation', () => {
    expect(pixels(orientToRgb(src, W, H, 4, 90, false))).toEqual([
      [3, 0],
      [4, 1],
      [5, 2],
    ]);
    expect(pixels(orientToRgb(src, W, H, 4, 180, false))).toEqual([
      [5, 4, 3],
      [2, 1, 0],
    ]);
    expect(pixels(orientToRgb(src, W, H, 4, 270, false))).toEqual([
      [2, 5],
      [1, 4],
      [0, 3],
    ]);
  });
  it('mirrors after rotating when flipped', () => {
    expect(pixels(orientToRgb(src, W, H, 4, 0, true))).toEqual([
      [2, 1, 0],
      [5, 4, 3],
    ]);
    expect(pixels(orientToRgb(src, W, H, 4, 90, true))).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });
});
