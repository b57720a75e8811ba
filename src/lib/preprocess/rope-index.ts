/**
 * Qwen2.5-VL's multimodal rotary positions (M-RoPE): three rows (temporal, height, width) of position ids for
 * a prompt that mixes text, images and videos, reproducing transformers 4.56 `get_rope_index` exactly.
 *
 * Text tokens get equal t/h/w positions counting up from the previous maximum + 1. A visual block starting at
 * st (the position after `<|vision_start|>`) gives merged patch (k, i, j) the positions
 * (st + k*step, st + i, st + j), where for a video step = int(second_per_grid_t) * tokens_per_second and for an
 * image step = 0. The int() matters: 4.56 casts the (float32) seconds per grid to int64 BEFORE multiplying,
 * so 6.25 s behaves as 6 s (step 12, not 12.5). ReWatch-R1 was trained under that rule; later transformers
 * versions changed it (PRs #45400, #48669), which is why it is pinned here.
 */

import type { Grid } from './vision-tokens.ts';

/** Model constants and the visual inputs of one prompt. */
export interface RopeIndexOptions {
  /** One grid per image, in order of appearance. */
  imageGrids: readonly Grid[];
  /** One grid per video, in order of appearance. */
  videoGrids: readonly Grid[];
  /** Seconds per temporal grid step, one per video (the processor's `second_per_grid_ts`; 1.0 when absent). */
  secondPerGridTs: readonly number[];
  /** vision_config.tokens_per_second (2 in Qwen2.5-VL-7B). */
  tokensPerSecond: number;
  /** vision_config.spatial_merge_size (2). */
  spatialMergeSize: number;
  /** `<|image_pad|>` (151655). */
  imageTokenId: number;
  /** `<|video_pad|>` (151656). */
  videoTokenId: number;
  /** `<|vision_start|>` (151652): the token before each visual block. */
  visionStartTokenId: number;
  /**
   * Position of the first token (default 0). A segment appended after earlier context starts at that
   * context's next text position (its max position + 1), which gives it the positions it would have in one
   * prompt holding both.
   */
  startPosition?: number;
}

/** Position ids of a prompt and the offset that continues them during decoding. */
export interface RopeIndex {
  /** Rows t, h, w; each has one entry per prompt token. */
  positionIds: [Int32Array, Int32Array, Int32Array];
  /** max(position) + 1 - promptLength - startPosition (`rope_deltas` of a whole prompt); negative when visual blocks are present. */
  ropeDelta: number;
}

/**
 * Temporal position step between consecutive temporal grids of a video, as 4.56 computes it: the seconds
 * per grid are a float32 tensor cast to int64 (truncated) before multiplying by tokens_per_second.
 */
export function temporalStep(secondPerGridT: number, tokensPerSecond: number): number {
  return Math.trunc(Math.trunc(Math.fround(secondPerGridT)) * tokensPerSecond);
}

function indexFrom(ids: ArrayLike<number>, value: number, from: number): number {
  for (let i = from; i < ids.length; i++) if (ids[i] === value) return i;
  throw new RangeError(`no token ${value} after position ${from} although a <|vision_start|> announces one`);
}

/**
 * M-RoPE position ids for a prompt whose pads are already expanded (one pad per merged patch).
 * @throws RangeError when the grids do not match the placeholders of the prompt.
 */
export function ropeIndex(inputIds: ArrayLike<number>, options: RopeIndexOptions): RopeIndex {
  const {
    imageGrids,
    videoGrids,
    secondPerGridTs,
    tokensPerSecond,
    spatialMergeSize: merge,
    imageTokenId,
    videoTokenId,
    visionStartTokenId,
    startPosition = 0,
  } = options;
  const n = inputIds.length;
  const rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];

  // Blocks are counted from the token right after each <|vision_start|>, as 4.56 does.
  let remainImages = 0;
  let remainVideos = 0;
  for (let i = 0; i + 1 < n; i++) {
    if (inputIds[i] !== visionStartTokenId) continue;
    if (inputIds[i + 1] === imageTokenId) remainImages++;
    else if (inputIds[i + 1] === videoTokenId) remainVideos++;
  }
  if (remainImages !== imageGrids.length || remainVideos !== videoGrids.length) {
    throw new RangeError(
      `the prompt has ${remainImages} image and ${remainVideos} video block(s), but ${imageGrids.length} image and ${videoGrids.length} video grid(s) were given`,
    );
  }

  let next = startPosition; // position of the next text token: previous max + 1
  let st = 0; // token index where the current text run starts
  const text = (from: number, to: number): void => {
    for (let i = from; i < to; i++) rows[0][i] = rows[1][i] = rows[2][i] = next++;
  };
  let imageIndex = 0;
  let videoIndex = 0;
  while (remainImages + remainVideos > 0) {
    const edImage = remainImages > 0 ? indexFrom(inputIds, imageTokenId, st) : Infinity;
    const edVideo = remainVideos > 0 ? indexFrom(inputIds, videoTokenId, st) : Infinity;
    let grid: Grid;
    let step: number;
    let ed: number;
    if (edImage < edVideo) {
      grid = imageGrids[imageIndex++];
      step = 0; // an image is one instant
      remainImages--;
      ed = edImage;
    } else {
      grid = videoGrids[videoIndex];
      step = temporalStep(secondPerGridTs[videoIndex] ?? 1, tokensPerSecond);
      videoIndex++;
      remainVideos--;
      ed = edVideo;
    }
    text(st, ed);
    const [gt, gh, gw] = [grid[0], grid[1] / merge, grid[2] / merge];
    const start = next;
    let max = start - 1;
    let i = ed;
    for (let k = 0; k < gt; k++) {
      for (let h = 0; h < gh; h++) {
        for (let w = 0; w < gw; w++, i++) {
          rows[0][i] = start + k * step;
          rows[1][i] = start + h;
          rows[2][i] = start + w;
          max = Math.max(max, rows[0][i], rows[1][i], rows[2][i]);
        }
      }
    }
    if (i > n)
      throw new RangeError(`the visual block at token ${ed} needs ${gt * gh * gw} pads but the prompt ends first`);
    next = max + 1;
    st = i;
  }
  text(st, n);
  return { positionIds: rows, ropeDelta: next - n - startPosition };
}

/**
 * The position (all three rows equal) of the token fed at decode step `step` (0 for the first generated
 * token): promptLength + step + ropeDelta.
 */
export function decodePositions(promptLength: number, ropeDelta: number, step: number): number {
  return promptLength + step + ropeDelta;
}
