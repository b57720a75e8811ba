/**
 * Page side of tests/e2e/converted-model.test.ts: loads a converted model folder served by the dev server
 * with transformers.js' own Qwen2_5_VLForConditionalGeneration and AutoProcessor (local files only, ORT's
 * WASM runtime from the app's /ort/), and greedily continues an image prompt.
 */
import {
  AutoProcessor,
  env,
  Qwen2_5_VLForConditionalGeneration,
  RawImage,
  Tensor,
  type Message,
  type PreTrainedModel,
  type Processor,
} from '@huggingface/transformers';
import { ORT_PUBLIC_DIR, ORT_RUNTIME_FILES } from '../../src/lib/models/ort-runtime-files.ts';
import { setHarness } from '../support/harness.ts';

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = '/models/fixtures/';
env.useBrowserCache = false;
const ortBase = new URL(`/${ORT_PUBLIC_DIR}/`, location.origin).href;
env.backends.onnx.wasm!.wasmPaths = { mjs: ortBase + ORT_RUNTIME_FILES.mjs, wasm: ortBase + ORT_RUNTIME_FILES.wasm };

export interface GenerateRequest {
  model: string;
  device: 'webgpu' | 'wasm';
  dtype: 'fp32' | 'q4' | 'q4f16';
  messages: Message[];
  /** RGB bytes, row-major. */
  image: { data: number[]; width: number; height: number };
  /** Pixel values to use instead of the processor's (same grid): the reference's, to take resizing out. */
  pixelValues?: number[];
  maxNewTokens: number;
}

export interface GenerateResult {
  prompt: string;
  promptIds: number[];
  ids: number[];
  text: string;
}

/** What Qwen2_5_VLProcessor gives for a prompt and one image (transformers.js types it `any`). */
interface ProcessorInputs {
  input_ids: Tensor;
  attention_mask: Tensor;
  pixel_values: Tensor;
  image_grid_thw: Tensor;
}

/** One loaded model per (folder, device, dtype): the fp32 tests share it, saving a slow SwiftShader load. */
const loaded = new Map<string, Promise<{ processor: Processor; model: PreTrainedModel }>>();

function load(req: GenerateRequest): Promise<{ processor: Processor; model: PreTrainedModel }> {
  const key = `${req.model}|${req.device}|${req.dtype}`;
  if (!loaded.has(key)) {
    loaded.set(
      key,
      (async () => ({
        processor: await AutoProcessor.from_pretrained(req.model),
        model: await Qwen2_5_VLForConditionalGeneration.from_pretrained(req.model, {
          device: req.device,
          dtype: req.dtype,
        }),
      }))(),
    );
  }
  return loaded.get(key)!;
}

async function generate(req: GenerateRequest): Promise<GenerateResult> {
  const { processor, model } = await load(req);
  const prompt = processor.apply_chat_template(req.messages, { add_generation_prompt: true }) as string;
  const image = new RawImage(Uint8ClampedArray.from(req.image.data), req.image.width, req.image.height, 3);
  const inputs: ProcessorInputs = await processor(prompt, image);
  if (req.pixelValues)
    inputs.pixel_values = new Tensor('float32', Float32Array.from(req.pixelValues), inputs.pixel_values.dims);
  const output = (await model.generate({ ...inputs, max_new_tokens: req.maxNewTokens, do_sample: false })) as Tensor;
  const all = Array.from(output.data as BigInt64Array, Number);
  const promptLength = inputs.input_ids.dims[1];
  const ids = all.slice(promptLength);
  return {
    prompt,
    promptIds: all.slice(0, promptLength),
    ids,
    text: processor.batch_decode([ids], { skip_special_tokens: false })[0],
  };
}

const harness = { generate };

export type ConvertedModelHarness = typeof harness;
setHarness(harness);
