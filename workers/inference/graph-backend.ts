/**
 * The ONNX runtime the generation loop runs on, behind one interface: onnxruntime-web on WebGPU or WASM
 * (web-backend.ts, in the browser and in Node for parity) and onnxruntime-node on the CPU (node-backend.ts).
 * The loop only creates tensors, runs sessions and, where the runtime can, keeps the KV cache in storage the
 * decoder writes in place.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-web';
import type { ModelFolder } from './model-folder.ts';

export type { InferenceSession, Tensor };

/** Where the graphs run: onnxruntime-web's two execution providers, or onnxruntime-node's CPU one. */
export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export type FloatType = 'float32' | 'float16';

/** The runtime's Tensor class (onnxruntime-web's and onnxruntime-node's share onnxruntime-common's). */
export type TensorClass = typeof Tensor;

export interface OpenOptions {
  /** Outputs kept on the GPU instead of being read back (WebGPU; ignored elsewhere). */
  gpuOutputs?: readonly string[];
}

/**
 * Storage for a KV cache that GroupQueryAttention updates in place: the same tensor is given as a past input
 * and as the pre-allocated present output, so ORT sees one buffer and writes only the new positions
 * (`past_present_share_buffer`). Nothing is allocated or copied per decode step.
 */
export interface KvStore {
  /** A zeroed [1, heads, capacity, headDim] tensor. */
  allocate(type: FloatType, dims: readonly number[]): Tensor;
  /** Copies the first `rows` positions of every head from `from` into `to` (same heads and head size, larger capacity). */
  copyPrefix(from: Tensor, to: Tensor, rows: number): Promise<void>;
  release(tensor: Tensor): void;
}

export interface GraphBackend {
  readonly name: BackendName;
  readonly Tensor: TensorClass;
  /** Opens `file` of `folder` with its external weight files (names relative to the graph's folder). */
  openSession(
    folder: ModelFolder,
    file: string,
    externalData: readonly string[],
    options?: OpenOptions,
  ): Promise<InferenceSession>;
  /** In-place KV storage, or null where every run copies its inputs anyway (WASM): the cache then grows per step. */
  readonly kvStore: KvStore | null;
  /** Hands back what the backend holds (a device, a runtime instance) once no session uses it. */
  release?(): Promise<void>;
}

/** Float values on the CPU: float32, or float16 as its raw bits (ORT hands out Float16Array where the browser has it). */
export type FloatData = Float32Array | Uint16Array;

/** A float tensor's values on the CPU (a GPU tensor is read back). */
export async function floatData(tensor: Tensor): Promise<FloatData> {
  const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData();
  if (data instanceof Float32Array || data instanceof Uint16Array) return data;
  if (tensor.type === 'float16' && ArrayBuffer.isView(data))
    return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
  throw new TypeError(`expected a float tensor, got ${tensor.type}`);
}
