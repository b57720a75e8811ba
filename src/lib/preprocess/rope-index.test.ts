import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allReferenceCases,
  loadReferenceCase,
  loadSampling,
  referenceModelDir,
  referenceModels,
  type ReferenceCase,
  referenceGrids,
} from '../../../tests/support/reference.ts';
import { decodePositions, ropeIndex, temporalStep, type RopeIndexOptions } from './rope-index.ts';

function setup(c: ReferenceCase): { ids: number[]; options: RopeIndexOptions; visionEndTokenId: number } {
  const config = JSON.parse(readFileSync(join(referenceModelDir(c.model), 'config.json'), 'utf8'));
  const spgt = c.tensors.get('second_per_grid_ts');
  return {
    ids: Array.from(c.tensors.get('input_ids')!.data as BigInt64Array, Number),
    visionEndTokenId: config.vision_end_token_id,
    options: {
      imageGrids: referenceGrids(c, 'image_grid_thw'),
      videoGrids: referenceGrids(c, 'video_grid_thw'),
      secondPerGridTs: spgt ? Array.from(spgt.data as Float32Array) : [],
      tokensPerSecond: config.vision_config.tokens_per_second,
      spatialMergeSize: config.vision_config.spatial_merge_size,
      imageTokenId: config.image_token_id,
      videoTokenId: config.video_token_id,
      visionStartTokenId: config.vision_start_token_id,
    },
  };
}

describe('ropeIndex against position_ids and rope_deltas of every case', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${model}/${name}`, () => {
      const c = loadReferenceCase(model, name);
      const { ids, options } = setup(c);
      const { positionIds, ropeDelta } = ropeIndex(ids, options);
      const want = Array.from(c.tensors.get('position_ids')!.data as BigInt64Array, Number);
      const S = ids.length;
      for (let r = 0; r < 3; r++)
        expect(Array.from(positionIds[r]), `row ${r}`).toEqual(want.slice(r * S, (r + 1) * S));
      expect(ropeDelta).toBe(Number((c.tensors.get('rope_deltas')!.data as BigInt64Array)[0]));
      expect(ropeDelta).toBe(c.meta.rope_deltas);

      const decode = Array.from(c.tensors.get('decode_position_ids')!.data as BigInt64Array, Number);
      const steps = decode.length / 3;
      for (let j = 0; j < steps; j++) {
        for (let r = 0; r < 3; r++) expect(decodePositions(S, ropeDelta, j)).toBe(decode[r * steps + j]);
      }
    });
  }
});

describe('ropeIndex against the rope_temporal_index table', () => {
  for (const model of referenceModels()) {
    const table = loadSampling(model).rope_temporal_index_vs_second_per_grid_t;
    const caseName = /case_\w/.exec(table.description)![0];
    it(`${model}: ${table.rows.length} second_per_grid_t values on ${caseName}`, () => {
      const c = loadReferenceCase(model, caseName);
      const { ids, options, visionEndTokenId } = setup(c);
      const [gt, gh, gw] = options.videoGrids[0];
      const tokensPerGrid = (gh * gw) / options.spatialMergeSize ** 2;
      const firstPad = ids.indexOf(options.videoTokenId);
      for (const row of table.rows) {
        const { positionIds, ropeDelta } = ropeIndex(ids, {
          ...options,
          secondPerGridTs: [row.second_per_grid_t],
          tokensPerSecond: row.tokens_per_second,
        });
        const start = positionIds[0][firstPad];
        const relative = Array.from({ length: gt }, (_, k) => positionIds[0][firstPad + k * tokensPerGrid] - start);
        expect(relative, `spgt ${row.second_per_grid_t}`).toEqual(row.hf456_relative_temporal_index_per_grid);
        expect(ropeDelta, `spgt ${row.second_per_grid_t}`).toBe(row.rope_deltas);
        expect(positionIds[0][ids.indexOf(visionEndTokenId)], `spgt ${row.second_per_grid_t}`).toBe(
          row.position_of_vision_end_token,
        );
      }
    });
  }
});

describe('temporalStep against the frame_sampling table', () => {
  for (const model of referenceModels()) {
    it(model, () => {
      for (const row of loadSampling(model).frame_sampling.rows) {
        expect(temporalStep(row.qwen_vl_utils.second_per_grid_t, 2), row.note).toBe(
          row.qwen_vl_utils.hf456_rope_temporal_step_per_grid,
        );
      }
    });
  }
});

describe('ropeIndex', () => {
  const base = {
    imageGrids: [],
    videoGrids: [],
    secondPerGridTs: [],
    tokensPerSecond: 2,
    spatialMergeSize: 2,
    imageTokenId: 8,
    videoTokenId: 9,
    visionStartTokenId: 7,
  };

  it('numbers a text-only prompt 0..S-1 with delta 0', () => {
    const { positionIds, ropeDelta } = ropeIndex([1, 2, 3], base);
    expect(positionIds.map((r) => Array.from(r))).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(ropeDelta).toBe(0);
  });

  it('truncates the float32 seconds per grid before multiplying', () => {
    expect(temporalStep(6.25, 2)).toBe(12);
    expect(temporalStep(0.75, 2)).toBe(0);
    // 1 - 2^-30 rounds to 1 in float32, as the processor's tensor holds it.
    expect(temporalStep(1 - 2 ** -30, 2)).toBe(2);
  });

  it('positions a segment appended after earlier context as one prompt holding both would', () => {
    for (const { model, name } of allReferenceCases()) {
      const c = loadReferenceCase(model, name);
      const { ids, options } = setup(c);
      const whole = ropeIndex(ids, options);
      // Split after the last visual block: the tail is text, continuing from the head's next position.
      const cut =
        ids.lastIndexOf(options.videoTokenId) >= 0
          ? ids.lastIndexOf(options.videoTokenId) + 1
          : ids.lastIndexOf(options.imageTokenId) + 1;
      const head = ropeIndex(ids.slice(0, cut), options);
      const next = Math.max(...head.positionIds.map((row) => Math.max(...row))) + 1;
      const tail = ropeIndex(ids.slice(cut), {
        ...options,
        imageGrids: [],
        videoGrids: [],
        secondPerGridTs: [],
        startPosition: next,
      });
      for (let r = 0; r < 3; r++)
        expect([...head.positionIds[r], ...tail.positionIds[r]], `${name} row ${r}`).toEqual(
          Array.from(whole.positionIds[r]),
        );
    }
    // A visual block in the appended segment starts where the context left off.
    const appended = ropeIndex([1, 7, 9, 9, 9, 9, 2], {
      ...base,
      videoGrids: [[2, 2, 4]],
      secondPerGridTs: [1],
      startPosition: 100,
    });
    expect(appended.positionIds.map((row) => Array.from(row))).toEqual([
      [100, 101, 102, 102, 104, 104, 105],
      [100, 101, 102, 102, 102, 102, 105],
      [100, 101, 102, 103, 102, 103, 105],
    ]);
  });

  it('rejects grids that do not match the blocks', () => {
    expect(() => ropeIndex([7, 9, 1], base)).toThrow(/video/);
    expect(() => ropeIndex([7, 9, 1], { ...base, videoGrids: [[2, 4, 4]], secondPerGridTs: [1] })).toThrow(/pads/);
  });
});
