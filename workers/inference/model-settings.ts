/**
 * What the generation loop needs to know about a converted model, read from its config.json,
 * preprocessor_config.json and generation_config.json: the decoder's KV cache shape, the preprocessor's
 * patch settings, the vision token ids, the tokens that end an answer and the decoder's attention kernel.
 */
import { layoutMarker, type AttentionKernel } from '../../src/lib/models/model-layout.ts';

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

/** The decoder's KV cache: one key and one value tensor [1, kvHeads, length, headDim] per layer. */
export interface DecoderShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  hiddenSize: number;
}

export interface ModelSettings {
  vision: VisionSettings;
  decoder: DecoderShape;
  /** Generation ends when one of these is sampled (generation_config.json, else config.json). */
  eosTokenIds: number[];
  /** The decoder's attention kernel, when the converter recorded it (only 'gqa' updates the cache in place). */
  attention: AttentionKernel | null;
}

type Json = Record<string, unknown>;

function numberAt(record: Json, key: string, where: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`${where}: "${key}" is missing or not a number`);
  return value;
}

function tripleAt(record: Json, key: string, where: string): [number, number, number] {
  const value = record[key];
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'number'))
    throw new Error(`${where}: "${key}" must be 3 numbers`);
  return [value[0], value[1], value[2]];
}

function recordAt(record: Json, key: string, where: string): Json {
  const value = record[key];
  if (typeof value !== 'object' || value === null) throw new Error(`${where}: "${key}" is missing`);
  return value as Json;
}

function tokenIds(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}

export function modelSettings(config: Json, preprocessor: Json, generation: Json | null): ModelSettings {
  const vision = recordAt(config, 'vision_config', 'config.json');
  // The converter writes text_config; a flat (official) config keeps the same keys at the top level.
  const text =
    typeof config.text_config === 'object' && config.text_config !== null ? (config.text_config as Json) : config;
  const pre = 'preprocessor_config.json';
  const heads = numberAt(text, 'num_attention_heads', 'config.json text_config');
  const hiddenSize = numberAt(text, 'hidden_size', 'config.json text_config');
  const eosTokenIds = tokenIds(generation?.eos_token_id ?? config.eos_token_id ?? text.eos_token_id);
  if (eosTokenIds.length === 0) throw new Error('neither generation_config.json nor config.json names an eos_token_id');
  return {
    vision: {
      patchSize: numberAt(preprocessor, 'patch_size', pre),
      temporalPatchSize: numberAt(preprocessor, 'temporal_patch_size', pre),
      mergeSize: numberAt(preprocessor, 'merge_size', pre),
      imageMean: tripleAt(preprocessor, 'image_mean', pre),
      imageStd: tripleAt(preprocessor, 'image_std', pre),
      tokensPerSecond: numberAt(vision, 'tokens_per_second', 'config.json vision_config'),
      imageTokenId: numberAt(config, 'image_token_id', 'config.json'),
      videoTokenId: numberAt(config, 'video_token_id', 'config.json'),
      visionStartTokenId: numberAt(config, 'vision_start_token_id', 'config.json'),
    },
    decoder: {
      layers: numberAt(text, 'num_hidden_layers', 'config.json text_config'),
      kvHeads: numberAt(text, 'num_key_value_heads', 'config.json text_config'),
      headDim: typeof text.head_dim === 'number' ? text.head_dim : hiddenSize / heads,
      hiddenSize,
    },
    eosTokenIds,
    attention: layoutMarker(config)?.decoder_attention ?? null,
  };
}
