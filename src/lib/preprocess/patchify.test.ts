import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allReferenceCases,
  loadReferenceCase,
  referenceModelDir,
  type ReferenceCase,
} from '../../../tests/support/reference.ts';
import { resizeRgb } from './image-resize.ts';
import { patchify, QWEN2_5_VL_PATCHIFY, type PatchifyOptions } from './patchify.ts';

function optionsOf(model: string): PatchifyOptions {
  const p = JSON.parse(readFileSync(join(referenceModelDir(model), 'preprocessor_config.json'), 'utf8'));
  return {
    temporalPatchSize: p.temporal_patch_size,
    patchSize: p.patch_size,
    mergeSize: p.merge_size,
    mean: p.image_mean,
    std: p.image_std,
  };
}

/** Splits a [T,H,W,3] (or [H,W,3]) uint8 tensor into frames. */
function framesOf(c: ReferenceCase, key: string): { frames: Uint8Array[]; width: number; height: number } {
  const t = c.tensors.get(key)!;
  const [height, width] = t.shape.slice(-3, -1);
  const n = t.shape.length === 4 ? t.shape[0] : 1;
  const size = width * height * 3;
  const data = t.data as Uint8Array;
  return { frames: Array.from({ length: n }, (_, i) => data.subarray(i * size, (i + 1) * size)), width, height };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const KINDS = [
  { raw: 'frames', resized: 'resized_frames', pixels: 'pixel_values_videos', grid: 'video_grid_thw' },
  { raw: 'image', resized: 'resized_image', pixels: 'pixel_values', grid: 'image_grid_thw' },
];

describe('patchify against pixel_values(_videos) of every case', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${model}/${name}`, () => {
      const c = loadReferenceCase(model, name);
      const options = optionsOf(model);
      let checked = 0;
      for (const kind of KINDS) {
        if (!c.tensors.has(kind.pixels)) continue;
        const want = c.tensors.get(kind.pixels)!.data as Float32Array;
        const grid = Array.from(c.tensors.get(kind.grid)!.data as BigInt64Array, Number);

        const resized = framesOf(c, kind.resized);
        const exact = patchify(resized.frames, resized.width, resized.height, options);
        expect(exact.grid).toEqual(grid);
        expect(exact.pixelValues.length).toBe(want.length);
        expect(maxAbsDiff(exact.pixelValues, want)).toBe(0);

        // From the raw frames through our resize: the issue allows 2e-2, but the resize is bit-exact, so hold it to 0.
        const raw = framesOf(c, kind.raw);
        const fromRaw = patchify(
          raw.frames.map((f) => resizeRgb(f, raw.width, raw.height, resized.width, resized.height)),
          resized.width,
          resized.height,
          options,
        );
        const diff = maxAbsDiff(fromRaw.pixelValues, want);
        console.log(
          `${model}/${name} ${kind.pixels}: from resized frames max diff 0, from raw frames max diff ${diff}`,
        );
        expect(diff).toBe(0);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});

describe('patchify', () => {
  const frame = (seed: number) => new Uint8Array(28 * 56 * 3).map((_, i) => (i * 7 + seed * 31) & 255);

  it('pads an odd frame count by repeating the last frame', () => {
    const [a, b, c] = [frame(1), frame(2), frame(3)];
    const odd = patchify([a, b, c], 56, 28);
    expect(odd.grid).toEqual([2, 2, 4]);
    expect(odd.pixelValues).toEqual(patchify([a, b, c, c], 56, 28).pixelValues);
  });

  it('treats an image as one frame repeated temporalPatchSize times', () => {
    const img = frame(4);
    expect(patchify([img], 56, 28).pixelValues).toEqual(patchify([img, img], 56, 28).pixelValues);
  });

  it('uses the reference defaults', () => {
    for (const { model } of allReferenceCases()) expect(optionsOf(model)).toEqual(QWEN2_5_VL_PATCHIFY);
  });

  it('names the bad argument', () => {
    expect(() => patchify([], 56, 28)).toThrow(/frames/);
    expect(() => patchify([frame(1)], 42, 28)).toThrow(/width/);
    expect(() => patchify([frame(1)], 28, 56)).not.toThrow();
    expect(() => patchify([frame(1)], 56, 14)).toThrow(/height/);
    expect(() => patchify([new Uint8Array(5)], 56, 28)).toThrow(/frames\[0\]/);
  });
});
