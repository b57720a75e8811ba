/**
 * YUV -> RGB as ffmpeg's swscale does it (what decord and PyAV/torchvision hand to qwen-vl-utils, so what
 * ReWatch-R1 saw in training): the matrix the stream is tagged with, BT.601 when it is untagged (Chromium
 * would pick BT.709 for untagged HD, up to ~40 levels apart on saturated colours), limited range unless tagged
 * full, and each chroma sample used as is for the pixels it covers (swscale's same-size conversion).
 */

/** The YUV layouts decoders output in 8 bits; other formats go through the browser's own conversion. */
export const YUV_FORMATS = ['I420', 'I420A', 'I422', 'I444', 'NV12'] as const;
export type YuvFormat = (typeof YUV_FORMATS)[number];

export function isYuvFormat(format: string | null): format is YuvFormat {
  return (YUV_FORMATS as readonly (string | null)[]).includes(format);
}

/** Luma weights of the matrices a stream can be tagged with (ITU-R BT.601, BT.709, BT.2020). */
const MATRICES: Record<string, [kr: number, kb: number]> = {
  bt470bg: [0.299, 0.114],
  smpte170m: [0.299, 0.114],
  bt709: [0.2126, 0.0722],
  'bt2020-ncl': [0.2627, 0.0593],
};

/** Per-value lookup tables: R = y + rv, G = y + gu + gv, B = y + bu (then rounded and clamped). */
export interface YuvTables {
  y: Float32Array;
  rv: Float32Array;
  gu: Float32Array;
  gv: Float32Array;
  bu: Float32Array;
}

/** The tables for a stream's colour space (from the container/bitstream, not the decoder's guess). */
export function yuvTables(colorSpace: VideoColorSpaceInit): YuvTables {
  const [kr, kb] = MATRICES[colorSpace.matrix ?? ''] ?? MATRICES.smpte170m;
  const kg = 1 - kr - kb;
  const full = colorSpace.fullRange === true;
  const yScale = full ? 1 : 255 / 219;
  const cScale = full ? 1 : 255 / 224;
  const table = (f: (v: number) => number) => Float32Array.from({ length: 256 }, (_, v) => f(v));
  return {
    y: table((v) => (full ? v : (v - 16) * yScale)),
    rv: table((v) => cScale * 2 * (1 - kr) * (v - 128)),
    gu: table((v) => (-cScale * 2 * kb * (1 - kb) * (v - 128)) / kg),
    gv: table((v) => (-cScale * 2 * kr * (1 - kr) * (v - 128)) / kg),
    bu: table((v) => cScale * 2 * (1 - kb) * (v - 128)),
  };
}

/**
 * Converts one frame's planes (as VideoFrame.copyTo lays them out) to packed RGB [h][w][3].
 * @param layout offset and stride of each plane: Y, U, V (NV12: Y, interleaved UV)
 */
export function yuvToRgb(
  src: Uint8Array,
  layout: PlaneLayout[],
  format: YuvFormat,
  w: number,
  h: number,
  t: YuvTables,
): Uint8Array {
  const [yPlane, uPlane] = layout;
  const vPlane = format === 'NV12' ? { offset: uPlane.offset + 1, stride: uPlane.stride } : layout[2];
  const sx = format === 'I444' ? 0 : 1;
  const sy = format === 'I420' || format === 'I420A' || format === 'NV12' ? 1 : 0;
  const step = format === 'NV12' ? 2 : 1;
  // A clamped array rounds and clamps on store, which is the conversion's last step.
  const out = new Uint8ClampedArray(w * h * 3);
  const { y: ty, rv, gu, gv, bu } = t;
  let o = 0;
  for (let y = 0; y < h; y++) {
    const yRow = yPlane.offset + y * yPlane.stride;
    const uRow = uPlane.offset + (y >> sy) * uPlane.stride;
    const vRow = vPlane.offset + (y >> sy) * vPlane.stride;
    for (let x = 0; x < w; x++, o += 3) {
      const c = (x >> sx) * step;
      const yy = ty[src[yRow + x]];
      const u = src[uRow + c];
      const v = src[vRow + c];
      out[o] = yy + rv[v];
      out[o + 1] = yy + gu[u] + gv[v];
      out[o + 2] = yy + bu[u];
    }
  }
  return new Uint8Array(out.buffer);
}
