/**
 * onnxruntime-web as a GraphBackend: WebGPU (with the GPUDevice the worker made, webgpu-device.ts, so the KV
 * cache can live in buffers of that device) or WASM. Also runs in Node (WASM) for parity. Sessions get their
 * graph bytes and external weight files from the ModelFolder (read lazily in the browser, lazy-bytes.ts).
 */
import type * as Ort from 'onnxruntime-web';
import type { FloatType, GraphBackend, KvStore, OpenOptions, Tensor } from './graph-backend.ts';
import type { ModelFolder } from './model-folder.ts';

type OrtWeb = typeof Ort;

/** KV storage in GPU buffers of `device`, the device ORT runs on: GroupQueryAttention writes into them in place. */
function gpuKvStore(ort: OrtWeb, device: GPUDevice): KvStore {
  const bytesPer = (type: FloatType) => (type === 'float32' ? 4 : 2);
  return {
    allocate(type, dims) {
      const size = dims.reduce((a, b) => a * b, 1) * bytesPer(type);
      // WebGPU zero-initialises buffers; the size is a multiple of 4 (head dims are).
      const buffer = device.createBuffer({
        size,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      return ort.Tensor.fromGpuBuffer(buffer, { dataType: type, dims });
    },
    async copyPrefix(from, to, rows) {
      const [, heads, fromCapacity, dim] = from.dims;
      const toCapacity = to.dims[2];
      const rowBytes = dim * bytesPer(from.type as FloatType);
      const encoder = device.createCommandEncoder();
      for (let h = 0; h < heads; h++) {
        encoder.copyBufferToBuffer(
          from.gpuBuffer,
          h * fromCapacity * rowBytes,
          to.gpuBuffer,
          h * toCapacity * rowBytes,
          rows * rowBytes,
        );
      }
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
    },
    release(tensor) {
      tensor.gpuBuffer.destroy();
    },
  };
}

export interface WebBackendOptions {
  /** The WebGPU device ORT runs on (required for 'webgpu'). */
  device?: GPUDevice;
}

export function webBackend(ort: OrtWeb, name: 'webgpu' | 'wasm', options: WebBackendOptions = {}): GraphBackend {
  const { device } = options;
  if (name === 'webgpu' && !device) throw new TypeError('the WebGPU backend needs the GPUDevice ORT runs on');
  return {
    name,
    Tensor: ort.Tensor,
    kvStore: name === 'webgpu' && device ? gpuKvStore(ort, device) : null,
    async openSession(folder: ModelFolder, file: string, externalData: readonly string[], open: OpenOptions = {}) {
      const bytes = await folder.read(file);
      if (!bytes) throw new Error(`${folder.label} has no ${file}`);
      const dir = file.slice(0, file.lastIndexOf('/') + 1);
      const external = [];
      for (const path of externalData) external.push({ path, data: await folder.readLarge(dir + path) });
      const gpuOutputs = name === 'webgpu' ? (open.gpuOutputs ?? []) : [];
      return ort.InferenceSession.create(bytes, {
        executionProviders:
          name === 'webgpu'
            ? [{ name: 'webgpu', device } as Ort.InferenceSession.WebGpuExecutionProviderOption]
            : ['wasm'],
        externalData: external,
        ...(gpuOutputs.length
          ? { preferredOutputLocation: Object.fromEntries(gpuOutputs.map((n) => [n, 'gpu-buffer' as const])) }
          : {}),
      });
    },
  };
}

export type { Tensor };
