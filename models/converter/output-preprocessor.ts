/**
 * The converted model's preprocessor_config.json. Checkpoints often leave out settings whose Python
 * defaults are on (Qwen2.5-VL's ships without do_resize, do_normalize, size, ...); transformers.js reads a
 * missing flag as off, and would then feed un-normalized, un-resized pixels. The Python defaults of
 * Qwen2VLImageProcessor are written out explicitly; values the checkpoint gives are kept.
 */
import type { JsonObject } from './config.ts';

export function outputPreprocessorConfig(raw: JsonObject): JsonObject {
  const size =
    raw.size ??
    (raw.min_pixels !== undefined && raw.max_pixels !== undefined
      ? { shortest_edge: raw.min_pixels, longest_edge: raw.max_pixels }
      : undefined);
  return {
    do_resize: true,
    resample: 3, // bicubic
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    do_convert_rgb: true,
    ...(size ? { size } : {}),
    ...raw,
  };
}
