/**
 * Turns resized RGB frames into Qwen2.5-VL's `pixel_values(_videos)`: normalised float32 patches in exactly
 * the processor's layout. Rows are ordered (t, h/merge, w/merge, merge, merge), so the patches of one 2x2 merge
 * group are consecutive; columns are (channel, temporal, patch, patch), the Conv3d patch-embed's input order.
 */

/** The preprocessing constants of a Qwen2.5-VL processor (preprocessor_config.json). */
export interface PatchifyOptions {
  /** Frames per temporal patch (2). */
  temporalPatchSize: number;
  /** Patch side in pixels (14). */
  patchSize: number;
  /** Spatial merge (2): patches per merged visual token along each axis. */
  mergeSize: number;
  /** Per-channel mean on the 0..1 scale (CLIP's). */
  mean: readonly [number, number, number];
  /** Per-channel std on the 0..1 scale (CLIP's). */
  std: readonly [number, number, number];
}

/** Qwen2.5-VL's values (every released checkpoint, ReWatch-R1 included). */
export const QWEN2_5_VL_PATCHIFY: PatchifyOptions = {
  temporalPatchSize: 2,
  patchSize: 14,
  mergeSize: 2,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

/** The processor output for one image or video. */
export interface Patches {
  /** [t*h*w, 3 * temporalPatchSize * patchSize^2] row-major. */
  pixelValues: Float32Array;
  /** (t, h, w) in patches: `image_grid_thw` / `video_grid_thw`. */
  grid: [number, number, number];
}

/**
 * The 256 normalised values of each channel. The processor fuses rescale and normalise into
 * (x - 255*mean) / (255*std) with float32 mean and std, so a lookup reproduces it bit for bit.
 */
function channelTables(mean: readonly number[], std: readonly number[]): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const m = Math.fround(Math.fround(mean[c]) * 255);
    const s = Math.fround(Math.fround(std[c]) * 255);
    const table = new Float32Array(256);
    for (let x = 0; x < 256; x++) table[x] = Math.fround(x - m) / s;
    return table;
  });
}

/**
 * Patchifies frames (row-major RGB uint8, each width x height, already at the smart_resize size). An image is
 * one frame; frame counts that are not a multiple of temporalPatchSize are padded by repeating the last frame,
 * as both processors do.
 * @throws TypeError on an empty frame list, a size that is not a multiple of patchSize*mergeSize, or a frame
 * of the wrong length.
 */
export function patchify(
  frames: readonly Uint8Array[],
  width: number,
  height: number,
  options: PatchifyOptions = QWEN2_5_VL_PATCHIFY,
): Patches {
  const { temporalPatchSize: tp, patchSize: ps, mergeSize: ms, mean, std } = options;
  if (frames.length === 0) throw new TypeError('frames must not be empty');
  const unit = ps * ms;
  if (!Number.isInteger(width) || width <= 0 || width % unit !== 0)
    throw new TypeError(`width must be a positive multiple of ${unit}, got ${width}`);
  if (!Number.isInteger(height) || height <= 0 || height % unit !== 0)
    throw new TypeError(`height must be a positive multiple of ${unit}, got ${height}`);
  frames.forEach((f, i) => {
    if (f.length !== width * height * 3)
      throw new TypeError(`frames[${i}] has ${f.length} bytes, expected ${width}x${height}x3`);
  });

  const gt = Math.ceil(frames.length / tp);
  const gh = height / ps;
  const gw = width / ps;
  const cols = 3 * tp * ps * ps;
  const tables = channelTables(mean, std);
  const out = new Float32Array(gt * gh * gw * cols);
  let o = 0;
  for (let t = 0; t < gt; t++) {
    const group = Array.from({ length: tp }, (_, k) => frames[Math.min(t * tp + k, frames.length - 1)]);
    for (let bh = 0; bh < gh / ms; bh++) {
      for (let bw = 0; bw < gw / ms; bw++) {
        for (let ih = 0; ih < ms; ih++) {
          for (let iw = 0; iw < ms; iw++) {
            const y0 = (bh * ms + ih) * ps;
            const x0 = (bw * ms + iw) * ps;
            for (let c = 0; c < 3; c++) {
              const table = tables[c];
              for (let k = 0; k < tp; k++) {
                const frame = group[k];
                for (let py = 0; py < ps; py++) {
                  let p = ((y0 + py) * width + x0) * 3 + c;
                  for (let px = 0; px < ps; px++, p += 3) out[o++] = table[frame[p]];
                }
              }
            }
          }
        }
      }
    }
  }
  return { pixelValues: out, grid: [gt, gh, gw] };
}
