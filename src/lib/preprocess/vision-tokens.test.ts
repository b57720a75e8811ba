import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allReferenceCases,
  loadReferenceCase,
  loadSampling,
  referenceModelDir,
  referenceModels,
  referenceGrids,
} from '../../../tests/support/reference.ts';
import { expandVisionPadIds, expandVisionPads, IMAGE_PAD, VIDEO_PAD, visionTokenCount } from './vision-tokens.ts';

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe('vision tokens of every case', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${model}/${name}`, () => {
      const c = loadReferenceCase(model, name);
      const config = JSON.parse(readFileSync(join(referenceModelDir(model), 'config.json'), 'utf8'));
      const tokenIds = { imageTokenId: config.image_token_id, videoTokenId: config.video_token_id };
      const imageGrids = referenceGrids(c, 'image_grid_thw');
      const videoGrids = referenceGrids(c, 'video_grid_thw');
      const mergeSize = config.vision_config.spatial_merge_size;
      const ids = Array.from(c.tensors.get('input_ids')!.data as BigInt64Array, Number);

      const counts =
        typeof c.meta.num_vision_tokens === 'number'
          ? { [c.meta.kind]: c.meta.num_vision_tokens }
          : c.meta.num_vision_tokens;
      if (imageGrids.length) expect(visionTokenCount(imageGrids[0], mergeSize)).toBe(counts.image);
      if (videoGrids.length) expect(visionTokenCount(videoGrids[0], mergeSize)).toBe(counts.video);

      // Collapse the expanded ids to one pad per block (what the tokenizer yields from the template) and expand back.
      const collapsed = ids.filter(
        (id, i) => !((id === tokenIds.imageTokenId || id === tokenIds.videoTokenId) && ids[i - 1] === id),
      );
      expect(expandVisionPadIds(collapsed, { imageGrids, videoGrids, mergeSize, ...tokenIds })).toEqual(ids);

      const text = expandVisionPads(c.meta.prompt_text, { imageGrids, videoGrids, mergeSize });
      expect(count(text, IMAGE_PAD)).toBe(ids.filter((id) => id === tokenIds.imageTokenId).length);
      expect(count(text, VIDEO_PAD)).toBe(ids.filter((id) => id === tokenIds.videoTokenId).length);
    });
  }
});

describe('tokens per temporal step of every smart_resize row', () => {
  for (const model of referenceModels()) {
    it(model, () => {
      for (const row of loadSampling(model).smart_resize.rows) {
        for (const rule of [row.qwen_vl_utils, row.transformers]) {
          if (!rule.error) expect(visionTokenCount([1, rule.grid_h, rule.grid_w])).toBe(rule.tokens_per_frame_pair);
        }
      }
    });
  }
});

describe('vision token expansion', () => {
  it('matches blocks to grids by order of appearance, images and videos separately', () => {
    const text = `a${VIDEO_PAD}b${IMAGE_PAD}c${VIDEO_PAD}d`;
    const out = expandVisionPads(text, {
      imageGrids: [[1, 2, 2]],
      videoGrids: [
        [2, 2, 2],
        [1, 4, 4],
      ],
    });
    expect(out).toBe(`a${VIDEO_PAD.repeat(2)}b${IMAGE_PAD}c${VIDEO_PAD.repeat(4)}d`);
    const ids = expandVisionPadIds([0, 9, 1, 8, 2, 9], {
      imageGrids: [[1, 2, 2]],
      videoGrids: [
        [2, 2, 2],
        [1, 4, 4],
      ],
      imageTokenId: 8,
      videoTokenId: 9,
    });
    expect(ids).toEqual([0, 9, 9, 1, 8, 2, 9, 9, 9, 9]);
  });

  it('ReWatch: 192 frames at 224x420 are 96 x 120 = 11,520 tokens', () => {
    expect(visionTokenCount([96, 16, 30])).toBe(11520);
  });

  it('rejects a mismatch between placeholders and grids', () => {
    expect(() => expandVisionPads(`${VIDEO_PAD}${VIDEO_PAD}`, { videoGrids: [[1, 2, 2]] })).toThrow(RangeError);
    expect(() => expandVisionPads('no pads', { imageGrids: [[1, 2, 2]] })).toThrow(/image/);
    expect(() => expandVisionPadIds([9], { imageTokenId: 8, videoTokenId: 9 })).toThrow(/video/);
    expect(() => visionTokenCount([1, 3, 2])).toThrow(TypeError);
  });
});
