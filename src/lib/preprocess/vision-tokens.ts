/**
 * How many placeholder tokens a picture or video occupies in the prompt, and the expansion of the chat
 * template's single `<|image_pad|>` / `<|video_pad|>` per visual block into that many copies, as
 * Qwen2_5_VLProcessor does. Blocks are matched to grids by order of appearance, images and videos separately.
 */

/** A (t, h, w) grid in 14-px patches, as in `image_grid_thw` / `video_grid_thw`. */
export type Grid = readonly [number, number, number];

/** The placeholder of one image in Qwen2.5-VL's chat template. */
export const IMAGE_PAD = '<|image_pad|>';
/** The placeholder of one video in Qwen2.5-VL's chat template. */
export const VIDEO_PAD = '<|video_pad|>';

/** Visual tokens (merged patches) of one grid: t*h*w / merge^2. */
export function visionTokenCount(grid: Grid, mergeSize = 2): number {
  const [t, h, w] = grid;
  const n = (t * h * w) / (mergeSize * mergeSize);
  if (!Number.isInteger(n) || n <= 0)
    throw new TypeError(
      `grid [${grid.join(', ')}] is not a positive whole number of ${mergeSize}x${mergeSize} merge groups`,
    );
  return n;
}

/** Grids and merge size for {@link expandVisionPads} / {@link expandVisionPadIds}. */
export interface VisionGrids {
  /** One grid per image, in order of appearance. */
  imageGrids?: readonly Grid[];
  /** One grid per video, in order of appearance. */
  videoGrids?: readonly Grid[];
  /** Spatial merge size (2). */
  mergeSize?: number;
}

function checkCount(kind: string, found: number, grids: readonly Grid[]): void {
  if (found !== grids.length)
    throw new RangeError(
      `the prompt has ${found} ${kind} placeholder(s) but ${grids.length} ${kind} grid(s) were given`,
    );
}

/**
 * Expands each `<|image_pad|>` / `<|video_pad|>` of a rendered prompt into one copy per visual token.
 * @throws RangeError when the number of placeholders and grids differ.
 */
export function expandVisionPads(
  text: string,
  { imageGrids = [], videoGrids = [], mergeSize = 2 }: VisionGrids,
): string {
  let out = text;
  for (const [pad, grids, kind] of [
    [IMAGE_PAD, imageGrids, 'image'],
    [VIDEO_PAD, videoGrids, 'video'],
  ] as const) {
    const parts = out.split(pad);
    checkCount(kind, parts.length - 1, grids);
    out = parts.reduce((acc, part, i) => acc + pad.repeat(visionTokenCount(grids[i - 1], mergeSize)) + part);
  }
  return out;
}

/** Token ids of the two placeholders (151655 and 151656 in Qwen2.5-VL). */
export interface PadTokenIds {
  /** `<|image_pad|>`. */
  imageTokenId: number;
  /** `<|video_pad|>`. */
  videoTokenId: number;
}

/**
 * The same expansion on token ids: for prompts tokenized with one pad per block, which avoids tokenizing
 * thousands of pads (192 frames at ReWatch's size are 12,288).
 * @throws RangeError when the number of placeholders and grids differ.
 */
export function expandVisionPadIds(
  ids: ArrayLike<number>,
  { imageGrids = [], videoGrids = [], mergeSize = 2, imageTokenId, videoTokenId }: VisionGrids & PadTokenIds,
): number[] {
  let images = 0;
  let videos = 0;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === imageTokenId) images++;
    else if (ids[i] === videoTokenId) videos++;
  }
  checkCount('image', images, imageGrids);
  checkCount('video', videos, videoGrids);
  const out: number[] = [];
  images = 0;
  videos = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const grid = id === imageTokenId ? imageGrids[images++] : id === videoTokenId ? videoGrids[videos++] : undefined;
    for (let k = grid ? visionTokenCount(grid, mergeSize) : 1; k > 0; k--) out.push(id);
  }
  return out;
}
