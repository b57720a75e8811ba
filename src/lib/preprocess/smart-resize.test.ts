import { describe, expect, it } from 'vitest';
import {
  allReferenceCases,
  loadReferenceCase,
  loadSampling,
  referenceModels,
  type SmartResizeRow,
} from '../../../tests/support/reference.ts';
import { roundHalfEven, smartResize, type SmartResizeRule } from './smart-resize.ts';

const RULES = { qwen_vl_utils: 'qwen-vl-utils', transformers: 'transformers' } as const satisfies Record<
  string,
  SmartResizeRule
>;

describe('smartResize against sampling.json', () => {
  for (const model of referenceModels()) {
    const rows: SmartResizeRow[] = loadSampling(model).smart_resize.rows;
    it(`${model}: every row, both rules (${rows.length} rows)`, () => {
      for (const row of rows) {
        const label = `${row.height}x${row.width} min ${row.min_pixels} max ${row.max_pixels}`;
        const options = { factor: row.factor, minPixels: row.min_pixels, maxPixels: row.max_pixels };
        for (const key of Object.keys(RULES) as (keyof typeof RULES)[]) {
          const rule = RULES[key];
          const want = row[key];
          if (want.error) {
            expect(() => smartResize(row.height, row.width, { ...options, rule }), label).toThrow(/aspect ratio/);
            continue;
          }
          const got = smartResize(row.height, row.width, { ...options, rule });
          expect(got, `${label} (${rule})`).toEqual({ height: want.resized_height, width: want.resized_width });
          // grid_h/grid_w count 14-px patches (factor = patch 14 x merge 2).
          expect([(2 * got.height) / row.factor, (2 * got.width) / row.factor], label).toEqual([
            want.grid_h,
            want.grid_w,
          ]);
        }
        if (row.qwen_vl_utils.error) continue;
        // The flags mark where a port is likely to diverge; make sure each is really exercised.
        const got = smartResize(row.height, row.width, options);
        for (const flag of row.flags as string[]) {
          if (flag.includes('exceeds max_pixels'))
            expect(got.height * got.width, label).toBeGreaterThan(row.max_pixels);
          else if (flag.startsWith('round_half')) {
            const halves = [row.height / row.factor, row.width / row.factor].filter((x) => x - Math.floor(x) === 0.5);
            expect(halves.length, label).toBeGreaterThan(0);
          } else if (flag.startsWith('borderline')) {
            const near = (row.scaled_over_factor as number[]).some((x) => Math.abs(x - Math.round(x)) < 1e-9);
            expect(near, label).toBe(true);
          } else throw new Error(`unknown flag on ${label}: ${flag}`);
        }
      }
    });
  }
});

describe('smartResize against the reference cases', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${model}/${name}: raw size -> resized size`, () => {
      const c = loadReferenceCase(model, name);
      const { min_pixels: minPixels, max_pixels: maxPixels } = c.meta.processor_settings;
      for (const [raw, resized] of [
        ['frames', 'resized_frames'],
        ['image', 'resized_image'],
      ]) {
        const a = c.tensors.get(raw);
        const b = c.tensors.get(resized);
        if (!a || !b) continue;
        const [h, w] = a.shape.slice(-3, -1);
        // The processor (transformers rule) produced these.
        expect(smartResize(h, w, { minPixels, maxPixels, rule: 'transformers' })).toEqual({
          height: b.shape.at(-3),
          width: b.shape.at(-2),
        });
      }
    });
  }
});

describe('smartResize rules and validation', () => {
  it('differs between the rules only when a side rounds to 0', () => {
    const options = { minPixels: 4 * 28 * 28, maxPixels: 16384 * 28 * 28 };
    expect(smartResize(13, 2000, options)).toEqual({ height: 28, width: 1988 });
    expect(smartResize(13, 2000, { ...options, rule: 'transformers' })).toEqual({ height: 28, width: 700 });
  });

  it('rounds half to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, 4.5, 2.4999, 2.5001, 7].map(roundHalfEven)).toEqual([0, 2, 2, 4, 4, 2, 3, 7]);
  });

  it('names the bad option', () => {
    expect(() => smartResize(0, 10, { minPixels: 1, maxPixels: 2 })).toThrow(TypeError);
    expect(() => smartResize(10, 10, { minPixels: 1, maxPixels: 2, factor: 1.5 })).toThrow(/factor/);
    expect(() => smartResize(10, 10, { minPixels: 3, maxPixels: 2 })).toThrow(/minPixels/);
  });
});
