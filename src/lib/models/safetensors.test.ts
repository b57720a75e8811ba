import { describe, expect, it } from 'vitest';
import { f16BitsToF32, toFloat32 } from './safetensors.ts';

// Values every float dtype holds exactly: the widened values must equal them whatever the path.
const VALUES = [0, -0, 1, -2.5, 0.15625, 49152, 2 ** -24, -(2 ** -14), 3.140625];

function encode(dtype: 'F32' | 'BF16' | 'F16' | 'F64'): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(new Float32Array(VALUES).buffer);
  if (dtype === 'F64') return new Uint8Array(new Float64Array(VALUES).buffer);
  const f32 = new Uint32Array(new Float32Array(VALUES).buffer);
  // bf16 is the top half of the f32 bits; these values need no rounding in either 16-bit type.
  const bits = dtype === 'BF16' ? Array.from(f32, (b) => b >>> 16) : VALUES.map(f16Bits);
  return new Uint8Array(new Uint16Array(bits).buffer);
}

function f16Bits(v: number): number {
  if (Object.is(v, -0)) return 0x8000;
  if (v === 0) return 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const exp = Math.floor(Math.log2(a));
  if (exp < -14) return sign | Math.round(a / 2 ** -24);
  return sign | ((exp + 15) << 10) | Math.round((a / 2 ** exp - 1) * 1024);
}

describe('toFloat32', () => {
  for (const dtype of ['F32', 'BF16', 'F16', 'F64'] as const) {
    it(`${dtype}: the same values into a fresh array, into a reused larger buffer, and from an unaligned offset`, () => {
      const bytes = encode(dtype);
      expect(Array.from(toFloat32(dtype, bytes))).toEqual(VALUES);
      const out = new Float32Array(VALUES.length + 5).fill(7);
      const into = toFloat32(dtype, bytes, out);
      expect(into.buffer).toBe(out.buffer);
      expect(Array.from(into)).toEqual(VALUES);
      expect(out[VALUES.length]).toBe(7);
      // File offsets are not aligned to the element size: an odd offset still decodes.
      const shifted = new Uint8Array(bytes.byteLength + 1);
      shifted.set(bytes, 1);
      expect(Array.from(toFloat32(dtype, shifted.subarray(1), out))).toEqual(VALUES);
    });
  }

  it('decodes half specials: infinities and NaN', () => {
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(f16BitsToF32(0xfc00)).toBe(-Infinity);
    expect(f16BitsToF32(0x7e00)).toBeNaN();
    expect(f16BitsToF32(0x3c00)).toBe(1);
  });
});
