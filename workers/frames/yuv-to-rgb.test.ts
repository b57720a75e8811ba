import { describe, expect, it } from 'vitest';
import { yuvTables, yuvToRgb } from './yuv-to-rgb.ts';

/** A 2x2 frame of one YUV colour, in I420 (Y plane, then U, then V) and NV12 (Y, then interleaved UV). */
function solid(y: number, u: number, v: number) {
  return {
    i420: {
      data: new Uint8Array([y, y, y, y, u, v]),
      layout: [
        { offset: 0, stride: 2 },
        { offset: 4, stride: 1 },
        { offset: 5, stride: 1 },
      ],
    },
    nv12: {
      data: new Uint8Array([y, y, y, y, u, v]),
      layout: [
        { offset: 0, stride: 2 },
        { offset: 4, stride: 2 },
      ],
    },
  };
}
const pixel = (out: Uint8Array) => Array.from(out.subarray(0, 3));

describe('yuvToRgb', () => {
  const untagged = yuvTables({});
  it('maps limited-range black and white to 0 and 255', () => {
    expect(
      pixel(yuvToRgb(solid(16, 128, 128).i420.data, solid(16, 128, 128).i420.layout, 'I420', 2, 2, untagged)),
    ).toEqual([0, 0, 0]);
    expect(
      pixel(yuvToRgb(solid(235, 128, 128).i420.data, solid(235, 128, 128).i420.layout, 'I420', 2, 2, untagged)),
    ).toEqual([255, 255, 255]);
  });
  it('uses BT.601 when untagged and BT.709 when tagged (as ffmpeg does)', () => {
    // BT.601 limited-range red is Y 81, U 90, V 240 (rounded, so it comes back at 254).
    const red = solid(81, 90, 240).i420;
    expect(pixel(yuvToRgb(red.data, red.layout, 'I420', 2, 2, untagged))).toEqual([254, 0, 0]);
    const as709 = pixel(yuvToRgb(red.data, red.layout, 'I420', 2, 2, yuvTables({ matrix: 'bt709' })));
    expect(as709[1]).toBeGreaterThan(20); // the same bytes read as BT.709 are visibly not pure red
  });
  it('reads NV12 like I420, and full range when tagged so', () => {
    const { i420, nv12 } = solid(120, 60, 200);
    expect(yuvToRgb(nv12.data, nv12.layout, 'NV12', 2, 2, untagged)).toEqual(
      yuvToRgb(i420.data, i420.layout, 'I420', 2, 2, untagged),
    );
    const grey = solid(100, 128, 128).i420;
    expect(pixel(yuvToRgb(grey.data, grey.layout, 'I420', 2, 2, yuvTables({ fullRange: true })))).toEqual([
      100, 100, 100,
    ]);
  });
});
