/**
 * The converted model's config.json: the checkpoint's config, plus what transformers.js needs. It reads the
 * decoder's sizes from `text_config` for model_type qwen2_5_vl, which the official (flat) layout lacks,
 * and finds external data files only through `transformers.js_config.use_external_data_format`. The layout
 * marker (src/lib/models/model-layout.ts) tells the generation loop which attention kernel the decoder uses.
 */
import { LAYOUT_KEY, type LayoutMarker } from '../../src/lib/models/model-layout.ts';
import type { JsonObject } from './config.ts';

/** Text-model keys of the flat (official) layout that belong in text_config. */
const TEXT_KEYS = [
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'vocab_size',
  'max_position_embeddings',
  'rms_norm_eps',
  'rope_theta',
  'rope_scaling',
  'hidden_act',
  'attention_dropout',
  'sliding_window',
  'use_sliding_window',
  'max_window_layers',
  'tie_word_embeddings',
  'bos_token_id',
  'eos_token_id',
];

export function outputConfig(
  raw: JsonObject,
  externalChunks: Record<string, number>,
  headDim: number,
  layout: LayoutMarker,
): JsonObject {
  const flat = Object.fromEntries(TEXT_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  const nested = (raw.text_config ?? {}) as JsonObject;
  const textConfig = { ...flat, ...nested, model_type: nested.model_type ?? 'qwen2_5_vl_text', head_dim: headDim };
  const jsConfig: JsonObject = { ...(raw['transformers.js_config'] as JsonObject | undefined) };
  delete jsConfig.use_external_data_format;
  if (Object.keys(externalChunks).length) jsConfig.use_external_data_format = externalChunks;
  return { ...raw, text_config: textConfig, 'transformers.js_config': jsConfig, [LAYOUT_KEY]: layout };
}
