/**
 * A loaded model with everything a prompt needs besides the sessions: its tokenizer and chat template, the
 * preprocessor's patch settings and the config's vision token ids. Loaded through transformers.js so every
 * source kind (folder URL, Hub, picked files, cached download) goes through the same env plumbing.
 */
import {
  AutoConfig,
  AutoImageProcessor,
  AutoTokenizer,
  Qwen2_5_VLForConditionalGeneration,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import type { LoadProgress, ModelDtype } from '../../src/lib/inference-protocol.ts';
import { installGenerationHooks } from './generation-hooks.ts';
import type { WebGpuDevice } from './webgpu-device.ts';

/** What preprocessing and M-RoPE need to know about the checkpoint. */
export interface VisionSettings {
  patchSize: number;
  temporalPatchSize: number;
  mergeSize: number;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
  /** vision_config.tokens_per_second: M-RoPE temporal positions per second of video. */
  tokensPerSecond: number;
  imageTokenId: number;
  videoTokenId: number;
  visionStartTokenId: number;
}

/** What turns a chat request into prompt ids, pixel values and positions (no model run needed). */
export interface PromptKit {
  tokenizer: PreTrainedTokenizer;
  chatTemplate: string;
  vision: VisionSettings;
}

export interface ModelBundle extends PromptKit {
  model: PreTrainedModel;
}

export interface BundleOptions {
  /** A transformers.js device: 'webgpu' or 'wasm' in browsers, 'cpu' (or 'webgpu') in Node. */
  device: string;
  dtype: ModelDtype;
  /** The device ORT's WebGPU sessions run on (see webgpu-device.ts); ORT creates its own when absent. */
  webgpuDevice?: WebGpuDevice;
  onProgress?: (progress: LoadProgress) => void;
}

function numberAt(record: Record<string, unknown>, key: string, where: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${where}: "${key}" is missing or not a number`);
  return value;
}

function tripleAt(record: Record<string, unknown>, key: string, where: string): [number, number, number] {
  const value = record[key];
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'number')) throw new Error(`${where}: "${key}" must be 3 numbers`);
  return [value[0], value[1], value[2]];
}

function recordAt(record: Record<string, unknown>, key: string, where: string): Record<string, unknown> {
  const value = record[key];
  if (typeof value !== 'object' || value === null) throw new Error(`${where}: "${key}" is missing`);
  return value as Record<string, unknown>;
}

/** Reads the settings from config.json and preprocessor_config.json as loaded by the library. */
function visionSettings(config: Record<string, unknown>, preprocessor: Record<string, unknown>): VisionSettings {
  const vision = recordAt(config, 'vision_config', 'config.json');
  const pre = 'preprocessor_config.json';
  return {
    patchSize: numberAt(preprocessor, 'patch_size', pre),
    temporalPatchSize: numberAt(preprocessor, 'temporal_patch_size', pre),
    mergeSize: numberAt(preprocessor, 'merge_size', pre),
    imageMean: tripleAt(preprocessor, 'image_mean', pre),
    imageStd: tripleAt(preprocessor, 'image_std', pre),
    tokensPerSecond: numberAt(vision, 'tokens_per_second', 'config.json vision_config'),
    imageTokenId: numberAt(config, 'image_token_id', 'config.json'),
    videoTokenId: numberAt(config, 'video_token_id', 'config.json'),
    visionStartTokenId: numberAt(config, 'vision_start_token_id', 'config.json'),
  };
}

/** Loads the tokenizer, chat template and vision settings of the model `name` (as resolved by model-source.ts). */
export async function loadPromptKit(name: string, onProgress?: (progress: LoadProgress) => void): Promise<PromptKit> {
  const progress_callback = onProgress as ((info: unknown) => void) | undefined;
  const [config, tokenizer, processor] = await Promise.all([
    AutoConfig.from_pretrained(name, { progress_callback }),
    AutoTokenizer.from_pretrained(name, { progress_callback }),
    AutoImageProcessor.from_pretrained(name, { progress_callback }),
  ]);
  const chatTemplate = tokenizer.chat_template;
  if (typeof chatTemplate !== 'string') throw new Error('the tokenizer config has no chat template');
  const preprocessor = (processor as unknown as { config: Record<string, unknown> }).config;
  return { tokenizer, chatTemplate, vision: visionSettings(config as unknown as Record<string, unknown>, preprocessor) };
}

/** Loads the model's sessions and its prompt kit; a failure of either releases the other's sessions. */
export async function loadModelBundle(name: string, options: BundleOptions): Promise<ModelBundle> {
  const [model, kit] = await Promise.allSettled([
    Qwen2_5_VLForConditionalGeneration.from_pretrained(name, {
      device: options.device as 'webgpu',
      dtype: options.dtype,
      progress_callback: options.onProgress as ((info: unknown) => void) | undefined,
      ...(options.webgpuDevice ? { session_options: { executionProviders: [{ name: 'webgpu', device: options.webgpuDevice }] } } : {}),
    }),
    loadPromptKit(name, options.onProgress),
  ]);
  if (model.status === 'rejected') throw model.reason;
  try {
    if (kit.status === 'rejected') throw kit.reason;
    installGenerationHooks(model.value);
    return { model: model.value, ...kit.value };
  } catch (error) {
    await model.value.dispose();
    throw error;
  }
}
