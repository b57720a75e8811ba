/**
 * Bicubic resize with antialiasing on uint8 RGB, bit-exact with what the Qwen2.5-VL processors of
 * transformers 4.56 run: torchvision `resize(uint8 tensor, BICUBIC, antialias=True)`, which takes torch's
 * native uint8 kernel (a port of Pillow-SIMD): separable passes, horizontal first, each rounded to uint8,
 * with weights quantised to int16 fixed point. Keys' cubic with a = -0.5 (as PIL; torch's non-antialiased
 * bicubic uses -0.75); when shrinking, the kernel is widened by the scale so every source pixel contributes.
 */

/** The cubic convolution kernel, a = -0.5, support 2. */
function cubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** Per-output taps along one axis: first source index, tap count, int16 weights and their fixed-point shift. */
interface AxisTaps {
  first: Int32Array;
  count: Int32Array;
  /** `maxTaps` weights per output position. */
  weights: Int32Array;
  maxTaps: number;
  precision: number;
}

function axisTaps(inSize: number, outSize: number): AxisTaps {
  // Weights in float64 as torch does for uint8; the float order below follows its kernel.
  const scale = inSize / outSize;
  const support = scale >= 1 ? 2 * scale : 2;
  const invScale = scale >= 1 ? 1 / scale : 1;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const real = new Float64Array(outSize * maxTaps);
  let wMax = 0;
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xsize = Math.max(0, Math.min(Math.min(Math.trunc(center + support + 0.5), inSize) - xmin, maxTaps));
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const w = cubic((j + xmin - center + 0.5) * invScale);
      real[i * maxTaps + j] = w;
      total += w;
    }
    if (total !== 0) {
      for (let j = 0; j < xsize; j++) {
        real[i * maxTaps + j] /= total;
        wMax = Math.max(wMax, real[i * maxTaps + j]);
      }
    }
    first[i] = xmin;
    count[i] = xsize;
  }
  // The largest shift that keeps every weight inside int16.
  let precision = 0;
  while (precision < 22 && Math.trunc(0.5 + wMax * 2 ** (precision + 1)) < 1 << 15) precision++;
  const weights = new Int32Array(real.length);
  const unit = 2 ** precision;
  for (let k = 0; k < real.length; k++) {
    const v = real[k] * unit;
    weights[k] = v < 0 ? Math.trunc(v - 0.5) : Math.trunc(v + 0.5);
  }
  return { first, count, weights, maxTaps, precision };
}

/**
 * One separable pass over `lines` lines of RGB pixels. `*Step` is the byte distance between neighbouring
 * pixels along the resized axis and `*Line` between lines, so one routine serves both directions.
 */
function pass(
  src: Uint8Array,
  dst: Uint8Array,
  taps: AxisTaps,
  lines: number,
  outSize: number,
  srcStep: number,
  srcLine: number,
  dstStep: number,
  dstLine: number,
): void {
  const { first, count, weights, maxTaps, precision } = taps;
  const half = precision > 0 ? 1 << (precision - 1) : 0;
  for (let l = 0; l < lines; l++) {
    const srcBase = l * srcLine;
    const dstBase = l * dstLine;
    for (let i = 0; i < outSize; i++) {
      let r = half;
      let g = half;
      let b = half;
      const w0 = i * maxTaps;
      let p = srcBase + first[i] * srcStep;
      for (let j = 0, n = count[i]; j < n; j++, p += srcStep) {
        const w = weights[w0 + j];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      // Sums stay inside int32 (|weights| sum to about 1.2 * 2^precision <= 1.2 * 2^22, times 255), so >> is exact floor.
      const q = dstBase + i * dstStep;
      dst[q] = clamp8(r >> precision);
      dst[q + 1] = clamp8(g >> precision);
      dst[q + 2] = clamp8(b >> precision);
    }
  }
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resizes a row-major RGB uint8 image ([srcH][srcW][3]) to dstW x dstH. A same-size call returns a copy
 * (an identity, as in the reference, so frames already at the target size pass through unchanged).
 * @throws TypeError when a size is not a positive integer or `src` has the wrong length.
 */
export function resizeRgb(src: Uint8Array, srcW: number, srcH: number, dstW: number, dstH: number): Uint8Array {
  for (const [name, v] of [
    ['srcW', srcW],
    ['srcH', srcH],
    ['dstW', dstW],
    ['dstH', dstH],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new TypeError(`${name} must be a positive integer, got ${v}`);
  }
  if (src.length !== srcW * srcH * 3)
    throw new TypeError(`src has ${src.length} bytes, expected ${srcW}x${srcH}x3 = ${srcW * srcH * 3}`);
  let cur = src;
  if (dstW !== srcW) {
    const next = new Uint8Array(srcH * dstW * 3);
    pass(cur, next, axisTaps(srcW, dstW), srcH, dstW, 3, srcW * 3, 3, dstW * 3);
    cur = next;
  }
  if (dstH !== srcH) {
    const next = new Uint8Array(dstH * dstW * 3);
    pass(cur, next, axisTaps(srcH, dstH), dstW, dstH, dstW * 3, 3, dstW * 3, 3);
    cur = next;
  }
  return cur === src ? src.slice() : cur;
}
