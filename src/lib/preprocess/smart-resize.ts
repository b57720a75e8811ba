/**
 * smart_resize: the size Qwen2.5-VL resizes an image or video frame to before patching. Both sides become
 * multiples of `factor` (patch 14 x merge 2 = 28) and the pixel count lands near [minPixels, maxPixels].
 * Reproduces qwen-vl-utils 0.0.11 and transformers 4.56 bit for bit, including their float op order and
 * Python's half-to-even `round`. "Near": the grow branch rounds both sides up and can overshoot maxPixels
 * (140x90 at min = max = 18816 gives 196x112 = 21952 px), exactly as the reference does.
 */

/** Aspect ratios above this are rejected by both reference implementations. */
export const MAX_ASPECT_RATIO = 200;

/** ReWatch-R1's per-frame pixel budget (min = max = 128*28*28: 128 visual tokens per 2-frame step). */
export const REWATCH_FRAME_PIXELS = 128 * 28 * 28;

/** Which reference to follow; they differ only for sides that round to 0 (smaller than factor/2). */
export type SmartResizeRule = 'qwen-vl-utils' | 'transformers';

/** Options of {@link smartResize}. */
export interface SmartResizeOptions {
  /** Both output sides are multiples of this (default 28). */
  factor?: number;
  /** Lower pixel budget; smaller inputs are scaled up. */
  minPixels: number;
  /** Upper pixel budget; larger inputs are scaled down. */
  maxPixels: number;
  /**
   * 'qwen-vl-utils' (default; the frame pipeline ReWatch-R1 was run with) clamps a side that rounds to 0 up
   * to `factor` before budgeting; 'transformers' (Qwen2VLImageProcessor) does not.
   */
  rule?: SmartResizeRule;
}

/** A size in pixels. */
export interface Size {
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
}

/** Python's `round()` on a float: ties go to the even neighbour (JS Math.round sends them up). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const frac = x - floor; // exact for |x| < 2^52
  if (frac < 0.5) return floor;
  if (frac > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer, got ${value}`);
}

/**
 * The resized { height, width } for a raw height x width input.
 * @throws TypeError on a non-positive or non-integer size, factor or budget.
 * @throws RangeError when the aspect ratio exceeds {@link MAX_ASPECT_RATIO}, as the references do.
 */
export function smartResize(height: number, width: number, options: SmartResizeOptions): Size {
  const { factor = 28, minPixels, maxPixels, rule = 'qwen-vl-utils' } = options;
  positiveInteger('height', height);
  positiveInteger('width', width);
  positiveInteger('factor', factor);
  positiveInteger('minPixels', minPixels);
  positiveInteger('maxPixels', maxPixels);
  if (minPixels > maxPixels) throw new TypeError(`minPixels (${minPixels}) must not exceed maxPixels (${maxPixels})`);
  if (rule !== 'qwen-vl-utils' && rule !== 'transformers')
    throw new TypeError(`rule must be 'qwen-vl-utils' or 'transformers', got ${String(rule)}`);

  const ratio = Math.max(height, width) / Math.min(height, width);
  if (ratio > MAX_ASPECT_RATIO)
    throw new RangeError(`absolute aspect ratio must be smaller than ${MAX_ASPECT_RATIO}, got ${ratio}`);

  const floorTo = rule === 'qwen-vl-utils' ? factor : 0;
  let h = Math.max(floorTo, roundHalfEven(height / factor) * factor);
  let w = Math.max(floorTo, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    // Same operation order as the references ((side / beta) / factor); a reordering flips borderline floors.
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: h, width: w };
}
