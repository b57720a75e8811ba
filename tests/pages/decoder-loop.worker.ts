/**
 * Test worker for tests/e2e/decoder-loop.test.ts and bench:infer: the generation loop
 * (workers/inference) on onnxruntime-web in a real browser worker, with the WebGPU device's buffer creations,
 * uploads and copies counted, so the KV cache's behaviour per decode step can be proved by counting.
 */
import { expose } from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import type { ChatRequest, ModelSource } from '../../src/lib/protocol/inference-protocol.ts';
import type { ModelDtype } from '../../src/lib/models/model-layout.ts';
import { runStages, type BenchOptions, type StageReport } from '../../models/bench/infer-stages.ts';
import { DecoderContext } from '../../workers/inference/decoder-context.ts';
import { LoadedModel } from '../../workers/inference/loaded-model.ts';
import { prepareChat } from '../../workers/inference/prepare-chat.ts';
import { ChatSession, Generation } from '../../workers/inference/run-chat.ts';
import { webBackend } from '../../workers/inference/web-backend.ts';
import { webModelFolder } from '../../workers/inference/web-model-folder.ts';
import { configureOrtWeb } from '../../workers/inference/ort-web-env.ts';
import { deviceForOrt } from '../../workers/inference/webgpu-device.ts';

configureOrtWeb(ort, '/');

/** GPU work of one decode step. */
export interface StepCount {
  /** Buffers created, of any kind. */
  buffers: number;
  /** Of them, storage buffers (where tensors and the KV cache live); the rest are staging buffers for uploads and read-backs. */
  storageBuffers: number;
  storageBytes: number;
  /** Bytes written by queue.writeBuffer and copied by copyBufferToBuffer (uploads, read-backs, cache copies). */
  bytesMoved: number;
  /** KV tensors the runtime handed back that are not the cache's own storage (kv-cache.ts runtimeKvTensors). */
  runtimeKvTensors: number;
}

export interface KvProbe {
  inPlace: boolean;
  capacity: number;
  /** One per decode step after the first (which compiles the decode shaders). */
  steps: StepCount[];
  ids: number[];
}

interface Counter {
  recording: boolean;
  step: StepCount;
}

const emptyStep = (): StepCount => ({
  buffers: 0,
  storageBuffers: 0,
  storageBytes: 0,
  bytesMoved: 0,
  runtimeKvTensors: 0,
});

function countOn(device: GPUDevice): Counter {
  const counter: Counter = { recording: false, step: emptyStep() };
  const createBuffer = device.createBuffer.bind(device);
  device.createBuffer = (descriptor) => {
    if (counter.recording) {
      counter.step.buffers++;
      if (descriptor.usage & GPUBufferUsage.STORAGE) {
        counter.step.storageBuffers++;
        counter.step.storageBytes += descriptor.size;
      }
    }
    return createBuffer(descriptor);
  };
  const writeBuffer = device.queue.writeBuffer.bind(device.queue);
  device.queue.writeBuffer = ((
    buffer: GPUBuffer,
    offset: number,
    data: BufferSource | SharedArrayBuffer,
    dataOffset?: number,
    size?: number,
  ) => {
    if (counter.recording) counter.step.bytesMoved += size ?? (data as ArrayBufferView).byteLength;
    return writeBuffer(buffer, offset, data as BufferSource, dataOffset, size);
  }) as GPUQueue['writeBuffer'];
  const createCommandEncoder = device.createCommandEncoder.bind(device);
  device.createCommandEncoder = (descriptor) => {
    const encoder = createCommandEncoder(descriptor);
    const copy = encoder.copyBufferToBuffer.bind(encoder) as (...args: unknown[]) => void;
    encoder.copyBufferToBuffer = ((...args: unknown[]) => {
      if (counter.recording)
        counter.step.bytesMoved += Number(args.length === 5 ? args[4] : ((args[2] as number | undefined) ?? 0));
      copy(...args);
    }) as GPUCommandEncoder['copyBufferToBuffer'];
    return encoder;
  };
  return counter;
}

const sources = (url: string): ModelSource => ({ kind: 'url', url });

const api = {
  /** bench:infer's stages (models/bench/infer-stages.ts) on onnxruntime-web, each reported as it ends; GPU work counted per decode step. */
  async bench(
    modelUrl: string,
    device: 'webgpu' | 'wasm',
    options: BenchOptions,
    onStage: (report: StageReport) => void,
  ): Promise<void> {
    const gpu = device === 'webgpu' ? await deviceForOrt() : undefined;
    const counter = gpu ? countOn(gpu) : undefined;
    const probe = counter && {
      begin() {
        counter.step = emptyStep();
        counter.recording = true;
      },
      end() {
        counter.recording = false;
        const { buffers, storageBuffers, bytesMoved } = counter.step;
        return { buffers, storageBuffers, bytesMoved };
      },
    };
    await runStages(
      () =>
        LoadedModel.open(webModelFolder(sources(modelUrl)), webBackend(ort, device, { device: gpu }), options.dtype),
      options,
      onStage,
      probe,
    );
  },

  /** Prefills `request` on WebGPU, then counts the GPU work of each of `steps` decode steps. */
  async kvProbe(modelUrl: string, dtype: ModelDtype, request: ChatRequest, steps: number): Promise<KvProbe> {
    const device = await deviceForOrt();
    const counter = countOn(device);
    const model = await LoadedModel.open(
      webModelFolder(sources(modelUrl)),
      webBackend(ort, 'webgpu', { device }),
      dtype,
    );
    const session = new ChatSession(model);
    try {
      const generation = await Generation.start(
        session,
        { ...request, maxNewTokens: steps + 2 },
        { shouldStop: () => false },
      );
      await generation.next(); // the prefill's token
      await generation.next(); // the first decode step compiles its shaders
      const counted: StepCount[] = [];
      for (let i = 0; i < steps; i++) {
        counter.step = emptyStep();
        const before = session.context.cache.runtimeKvTensors;
        counter.recording = true;
        await generation.next();
        counter.recording = false;
        counted.push({ ...counter.step, runtimeKvTensors: session.context.cache.runtimeKvTensors - before });
      }
      return {
        inPlace: session.context.cache.inPlace,
        capacity: session.context.cache.capacity,
        steps: counted,
        ids: generation.ids,
      };
    } finally {
      await session.release();
    }
  },

  /** Max-abs difference between the last logits of one prefill and of prefills in chunks of `chunks` tokens. */
  async chunkedVsOneShot(
    modelUrl: string,
    dtype: ModelDtype,
    request: ChatRequest,
    chunks: number[],
  ): Promise<{ inPlace: boolean; tokens: number; diffs: number[] }> {
    const device = await deviceForOrt();
    const model = await LoadedModel.open(
      webModelFolder(sources(modelUrl)),
      webBackend(ort, 'webgpu', { device }),
      dtype,
    );
    try {
      const prepared = prepareChat(model.kit, request);
      const { imageTokenId, videoTokenId } = model.settings.vision;
      const ids = prepared.inputIds;
      const starts = ids.flatMap((id, i) =>
        (id === imageTokenId || id === videoTokenId) && ids[i - 1] !== id ? [i] : [],
      );
      const visuals = [];
      for (const [v, visual] of prepared.visuals.entries())
        visuals.push({ start: starts[v], rows: (await model.encodeVisual(visual.patches))!, key: `v${v}` });
      const segment = { ids, positions: prepared.positionIds, visuals };
      const feed = async (chunkTokens: number) => {
        const context = new DecoderContext(model);
        try {
          return { logits: (await context.feed(segment, { chunkTokens }))!, inPlace: context.cache.inPlace };
        } finally {
          context.release();
        }
      };
      const whole = await feed(ids.length);
      const diffs: number[] = [];
      for (const chunk of chunks) {
        const { logits } = await feed(chunk);
        diffs.push(logits.reduce((m, v, i) => Math.max(m, Math.abs(v - whole.logits[i])), 0));
      }
      return { inPlace: whole.inPlace, tokens: ids.length, diffs };
    } finally {
      await model.release();
    }
  },
};

export type DecoderLoopApi = typeof api;
expose(api);
