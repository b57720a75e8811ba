/**
 * Block-wise asymmetric 4-bit weight quantization in MatMulNBits' layout (com.microsoft, bits 4): for each
 * output column n and each block of `blockSize` consecutive K values, a scale and a zero point with
 * w ~= (q - zp) * scale, q in 0..15. Blocks always contain 0 in their range (as ORT's quantizer does), so
 * zero padding past K dequantizes to exactly 0.
 */
import { f16BitsToF32 } from '../../src/lib/models/safetensors.ts';
import { f32ToF16Bits } from './graph.ts';
import type { FloatType } from './weights.ts';

export interface QuantizedMatrix {
  /** uint8 [N, blocks, blockSize / 2]: two 4-bit values per byte, low nibble first. */
  data: Uint8Array;
  /** [N * blocks] scales, float32 or half bits (little-endian bytes). */
  scales: Uint8Array;
  /** uint8 [N * ceil(blocks / 2)]: 4-bit zero points, low nibble first. */
  zeroPoints: Uint8Array;
}

export function blockCount(k: number, blockSize: number): number {
  return Math.ceil(k / blockSize);
}

/** Bytes per output column of each of the three tensors. */
export function quantizedSizes(k: number, blockSize: number, scaleType: FloatType) {
  const blocks = blockCount(k, blockSize);
  return {
    data: blocks * (blockSize / 2),
    scales: blocks * (scaleType === 'float32' ? 4 : 2),
    zeroPoints: Math.ceil(blocks / 2),
  };
}

/** Quantizes `count` rows (output columns) of length k, given row-major as [count, k], into `out` starting at row `row0`. */
export function quantizeRows(
  rows: Float32Array,
  count: number,
  k: number,
  blockSize: number,
  scaleType: FloatType,
  out: QuantizedMatrix,
  row0: number,
): void {
  const blocks = blockCount(k, blockSize);
  const sizes = quantizedSizes(k, blockSize, scaleType);
  const lows = new Float32Array(blocks);
  const scales = new Float32Array(blocks);
  // A row's scales as stored (float32, or half bits for q4f16), written in place row after row.
  const halves = scaleType === 'float16' ? new Uint16Array(blocks) : null;
  const stored = new Uint8Array(halves ? halves.buffer : scales.buffer);
  for (let r = 0; r < count; r++) {
    const n = row0 + r;
    const src = r * k;
    for (let b = 0; b < blocks; b++) {
      let lo = 0;
      let hi = 0;
      for (let i = b * blockSize, end = Math.min(k, i + blockSize); i < end; i++) {
        const v = rows[src + i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      lows[b] = lo;
      scales[b] = (hi - lo) / 15;
      // Quantize against the scale as it will be stored (half for q4f16), so dequantization matches.
      if (halves) {
        halves[b] = f32ToF16Bits(scales[b]);
        scales[b] = f16BitsToF32(halves[b]);
      }
    }
    out.scales.set(stored, n * sizes.scales);
    for (let b = 0; b < blocks; b++) {
      const inv = scales[b] === 0 ? 0 : 1 / scales[b];
      const zp = Math.min(15, Math.max(0, Math.round(-lows[b] * inv)));
      out.zeroPoints[n * sizes.zeroPoints + (b >> 1)] |= b & 1 ? zp << 4 : zp;
      const start = b * blockSize;
      const end = Math.min(k, start + blockSize);
      const base = n * sizes.data + b * (blockSize / 2);
      // Hot loop (billions of values for a 7B): no closures, branchless-ish clamps; padding past K holds zp (= 0.0).
      for (let i = start; i < start + blockSize; i += 2) {
        let q0 = zp;
        let q1 = zp;
        if (i < end) {
          q0 = Math.round(rows[src + i] * inv) + zp;
          q0 = q0 < 0 ? 0 : q0 > 15 ? 15 : q0;
        }
        if (i + 1 < end) {
          q1 = Math.round(rows[src + i + 1] * inv) + zp;
          q1 = q1 < 0 ? 0 : q1 > 15 ? 15 : q1;
        }
        out.data[base + ((i - start) >> 1)] = q0 | (q1 << 4);
      }
    }
  }
}
