/**
 * The safetensors container format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Pure parsing only; reading
 * from disk (streamed, one tensor at a time) lives with the converter.
 */

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** One tensor's entry in a safetensors header; offsets are relative to the start of the data section. */
export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
}

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Raised for any malformed or truncated safetensors input; the message names the file and the problem. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Length of the JSON header, read from the first 8 bytes. */
export function headerLength(first8: Uint8Array, source = 'safetensors'): number {
  if (first8.byteLength < 8) throw new SafetensorsError(`${source}: file is shorter than the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  // A real header is a few MB at most; anything larger means this is not a safetensors file.
  if (n === 0n || n > 100_000_000n)
    throw new SafetensorsError(`${source}: implausible header length ${n}; not a safetensors file`);
  return Number(n);
}

/**
 * Parses the JSON header. `fileSize`, when known, is checked against every tensor's byte range so that a
 * truncated file is reported up front instead of failing midway through a conversion.
 */
export function parseHeader(
  headerBytes: Uint8Array,
  headerLen: number,
  fileSize?: number,
  source = 'safetensors',
): SafetensorsHeader {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder().decode(headerBytes));
  } catch {
    throw new SafetensorsError(`${source}: header is not valid JSON (corrupt or not a safetensors file)`);
  }
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (!v || typeof v.dtype !== 'string' || !Array.isArray(v.shape) || !Array.isArray(v.data_offsets)) {
      throw new SafetensorsError(`${source}: malformed header entry for tensor "${name}"`);
    }
    if (!(v.dtype in DTYPE_BYTES))
      throw new SafetensorsError(`${source}: tensor "${name}" has unsupported dtype ${v.dtype}`);
    const dtype = v.dtype as SafetensorsDtype;
    const [begin, end] = v.data_offsets;
    const expected = v.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      throw new SafetensorsError(
        `${source}: tensor "${name}" spans ${end - begin} bytes but shape ${JSON.stringify(v.shape)} ${dtype} needs ${expected}`,
      );
    }
    if (fileSize !== undefined && dataStart + end > fileSize) {
      throw new SafetensorsError(
        `${source}: truncated: tensor "${name}" ends at byte ${dataStart + end} but the file has ${fileSize} bytes`,
      );
    }
    tensors.set(name, { dtype, shape: v.shape, dataOffsets: [begin, end] });
  }
  return { dataStart, tensors, metadata };
}

/** Parses a whole safetensors file held in memory (small files: reference cases, tests). */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsHeader {
  const n = headerLength(bytes, source);
  if (bytes.byteLength < 8 + n) throw new SafetensorsError(`${source}: truncated inside the header`);
  return parseHeader(bytes.subarray(8, 8 + n), n, bytes.byteLength, source);
}

/** bf16 -> f32 is a 16-bit left shift of the bit pattern. */
export function bf16ToF32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  const bits = new Uint32Array(out.buffer, out.byteOffset, fits(src.length, out));
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return out.subarray(0, src.length);
}

/** `n`, after checking that `out` holds n values (a decode never writes past the buffer it was given). */
function fits(n: number, out: Float32Array): number {
  if (out.length < n) throw new RangeError(`${n} values do not fit a buffer of ${out.length}`);
  return n;
}

// 2 ** (exp - 15) for a half's exponent field: a table, as Math.pow per value showed in profiles.
const HALF_POW2 = Float64Array.from({ length: 32 }, (_, exp) => 2 ** (exp - 15));

/** IEEE half bits -> its value. */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * HALF_POW2[exp];
}

/** IEEE half -> f32. */
export function f16ToF32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  fits(src.length, out);
  for (let i = 0; i < src.length; i++) out[i] = f16BitsToF32(src[i]);
  return out.subarray(0, src.length);
}

/** Copies raw tensor bytes into an aligned buffer (file offsets are not aligned to the element size). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** The bytes as 16-bit values: a view when they are aligned (they are only read), else an aligned copy. */
function halves(bytes: Uint8Array): Uint16Array {
  return bytes.byteOffset % 2 === 0
    ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2)
    : new Uint16Array(aligned(bytes));
}

/**
 * Decodes one tensor's raw bytes to float32, whatever its float dtype; into `out` (its first values) when
 * given, so a thread that widens slice after slice reuses one buffer.
 */
export function toFloat32(dtype: SafetensorsDtype, bytes: Uint8Array, out?: Float32Array): Float32Array {
  switch (dtype) {
    case 'F32':
      if (!out) return new Float32Array(aligned(bytes));
      // Byte for byte into the buffer: any alignment, nothing allocated.
      new Uint8Array(out.buffer, out.byteOffset, fits(bytes.byteLength / 4, out) * 4).set(bytes);
      return out.subarray(0, bytes.byteLength / 4);
    case 'BF16':
      return bf16ToF32(halves(bytes), out);
    case 'F16':
      return f16ToF32(halves(bytes), out);
    case 'F64': {
      const values = new Float64Array(aligned(bytes));
      if (!out) return Float32Array.from(values);
      out.set(values.subarray(0, fits(values.length, out)));
      return out.subarray(0, values.length);
    }
    default:
      throw new SafetensorsError(`expected a float tensor, got ${dtype}`);
  }
}

/** A typed view of one tensor of an in-memory file, in its stored dtype (ints as BigInt64Array etc.). */
export type TypedTensor =
  | { dtype: 'F32' | 'BF16' | 'F16' | 'F64'; shape: number[]; data: Float32Array }
  | { dtype: 'I64'; shape: number[]; data: BigInt64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'U8' | 'BOOL'; shape: number[]; data: Uint8Array }
  | { dtype: 'I16' | 'I8'; shape: number[]; data: Int16Array | Int8Array };

/** Reads every tensor of an in-memory safetensors file; floats are widened to float32. */
export function readAll(bytes: Uint8Array, source = 'safetensors'): Map<string, TypedTensor> {
  const header = parseSafetensors(bytes, source);
  const out = new Map<string, TypedTensor>();
  for (const [name, info] of header.tensors) {
    const raw = bytes.subarray(header.dataStart + info.dataOffsets[0], header.dataStart + info.dataOffsets[1]);
    const shape = info.shape;
    switch (info.dtype) {
      case 'I64':
        out.set(name, { dtype: 'I64', shape, data: new BigInt64Array(aligned(raw)) });
        break;
      case 'I32':
        out.set(name, { dtype: 'I32', shape, data: new Int32Array(aligned(raw)) });
        break;
      case 'I16':
        out.set(name, { dtype: 'I16', shape, data: new Int16Array(aligned(raw)) });
        break;
      case 'I8':
        out.set(name, { dtype: 'I8', shape, data: new Int8Array(aligned(raw)) });
        break;
      case 'U8':
      case 'BOOL':
        out.set(name, { dtype: info.dtype, shape, data: raw.slice() });
        break;
      default:
        out.set(name, { dtype: info.dtype, shape, data: toFloat32(info.dtype, raw) });
    }
  }
  return out;
}
