/**
 * onnxruntime-node as a GraphBackend (`npm run ask`, parity, benchmarks): the native CPU execution provider,
 * or its Dawn-based WebGPU one where the machine has a Vulkan/Metal/D3D12 adapter. On the CPU the KV cache
 * lives in typed arrays that onnxruntime-node hands to ORT without copying, as past input and present output
 * at once, so GroupQueryAttention updates them in place; on Node's WebGPU EP every run copies CPU tensors
 * to the GPU, so the cache grows per step instead.
 */
import ort from 'onnxruntime-node';
import type { FloatType, GraphBackend, KvStore, Tensor, TensorClass } from './graph-backend.ts';
import type { ModelFolder } from './model-folder.ts';

const cpuKvStore: KvStore = {
  allocate(type: FloatType, dims: readonly number[]) {
    const size = dims.reduce((a, b) => a * b, 1);
    return (type === 'float32'
      ? new ort.Tensor('float32', new Float32Array(size), dims)
      : new ort.Tensor('float16', new Uint16Array(size), dims)) as unknown as Tensor;
  },
  async copyPrefix(from, to, rows) {
    const [, heads, fromCapacity, dim] = from.dims;
    const toCapacity = to.dims[2];
    const source = from.data as Float32Array | Uint16Array;
    const target = to.data as Float32Array | Uint16Array;
    for (let h = 0; h < heads; h++)
      target.set(source.subarray(h * fromCapacity * dim, (h * fromCapacity + rows) * dim), h * toCapacity * dim);
  },
  release() {},
};

export function nodeBackend(name: 'cpu' | 'webgpu' = 'cpu'): GraphBackend {
  return {
    name: name === 'cpu' ? 'cpu' : 'webgpu',
    Tensor: ort.Tensor as unknown as TensorClass,
    kvStore: name === 'cpu' ? cpuKvStore : null,
    async openSession(folder: ModelFolder, file: string) {
      if (!folder.localPath)
        throw new TypeError(`onnxruntime-node opens graphs from disk; ${folder.label} is not a local folder`);
      // onnxruntime-node reads the external data files next to the graph itself.
      const session = await ort.InferenceSession.create(folder.localPath(file), { executionProviders: [name] });
      return session as unknown as Awaited<ReturnType<GraphBackend['openSession']>>;
    },
  };
}
