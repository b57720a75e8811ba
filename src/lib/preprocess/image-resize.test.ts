import { describe, expect, it } from 'vitest';
import { allReferenceCases, loadReferenceCase } from '../../../tests/support/reference.ts';
import { resizeRgb } from './image-resize.ts';

describe('resizeRgb against the processor resize of every case', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${model}/${name}: bit-exact`, () => {
      const c = loadReferenceCase(model, name);
      let checked = 0;
      for (const [rawKey, resizedKey] of [
        ['frames', 'resized_frames'],
        ['image', 'resized_image'],
      ]) {
        const raw = c.tensors.get(rawKey);
        const want = c.tensors.get(resizedKey);
        if (!raw || !want) continue;
        const [srcH, srcW] = raw.shape.slice(-3, -1);
        const [dstH, dstW] = want.shape.slice(-3, -1);
        const frames = raw.shape.length === 4 ? raw.shape[0] : 1;
        let differing = 0;
        let maxDiff = 0;
        for (let t = 0; t < frames; t++) {
          const src = (raw.data as Uint8Array).subarray(t * srcH * srcW * 3, (t + 1) * srcH * srcW * 3);
          const ref = (want.data as Uint8Array).subarray(t * dstH * dstW * 3, (t + 1) * dstH * dstW * 3);
          const got = resizeRgb(src, srcW, srcH, dstW, dstH);
          for (let i = 0; i < ref.length; i++) {
            const d = Math.abs(got[i] - ref[i]);
            if (d) differing++;
            maxDiff = Math.max(maxDiff, d);
          }
        }
        console.log(
          `${model}/${name} ${rawKey} ${srcH}x${srcW} -> ${dstH}x${dstW}: ${differing} differing values, max diff ${maxDiff}`,
        );
        expect({ differing, maxDiff }).toEqual({ differing: 0, maxDiff: 0 });
        // The reference's resized frames are a fixed point: the same-size resize is an identity.
        const once = (want.data as Uint8Array).subarray(0, dstH * dstW * 3);
        expect(resizeRgb(once, dstW, dstH, dstW, dstH)).toEqual(once);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});

describe('resizeRgb', () => {
  it('keeps a flat colour flat when growing and shrinking each axis', () => {
    const src = new Uint8Array(7 * 5 * 3).map((_, i) => [200, 17, 0][i % 3]);
    for (const [w, h] of [
      [3, 11],
      [14, 2],
      [7, 5],
    ]) {
      const out = resizeRgb(src, 7, 5, w, h);
      expect(out.length).toBe(w * h * 3);
      expect(out.every((v, i) => v === [200, 17, 0][i % 3])).toBe(true);
    }
  });

  it('returns a copy for the same size', () => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const out = resizeRgb(src, 2, 1, 2, 1);
    expect(out).toEqual(src);
    expect(out).not.toBe(src);
  });

  it('names the bad argument', () => {
    expect(() => resizeRgb(new Uint8Array(12), 2, 2, 0, 2)).toThrow(/dstW/);
    expect(() => resizeRgb(new Uint8Array(11), 2, 2, 2, 2)).toThrow(/src/);
  });
});
