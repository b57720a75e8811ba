/** Runtime-neutral tensors: what the parity pipeline passes between onnxruntime-node and onnxruntime-web sessions. */
import { f16ToF32 } from '../../src/lib/models/safetensors.ts';
import { floatBytes } from '../converter/graph.ts';

export type HostTensor =
  | { type: 'float32'; dims: number[]; data: Float32Array }
  | { type: 'float16'; dims: number[]; data: Uint16Array }
  | { type: 'int64'; dims: number[]; data: BigInt64Array }
  | { type: 'int32'; dims: number[]; data: Int32Array };

export function int64(values: ArrayLike<number | bigint>, dims: number[]): HostTensor {
  return { type: 'int64', dims, data: BigInt64Array.from(Array.from(values, (v) => BigInt(v))) };
}

/** Float values in the graph's float type. */
export function floats(values: Float32Array, dims: number[], type: 'float32' | 'float16'): HostTensor {
  if (type === 'float32') return { type, dims, data: values };
  const bytes = floatBytes(values, 'float16');
  return { type, dims, data: new Uint16Array(bytes.buffer, bytes.byteOffset, values.length) };
}

/** Any float tensor widened to float32 (for comparisons). */
export function toFloat32(t: HostTensor): Float32Array {
  if (t.type === 'float32') return t.data;
  if (t.type === 'float16') return f16ToF32(t.data);
  throw new TypeError(`expected a float tensor, got ${t.type}`);
}
