/**
 * Reads a Qwen2.5-VL config.json into the sizes the graph builders need. Handles both layouts seen in the
 * wild: the official one (text keys at the top level, `torch_dtype`, rope_scaling type "mrope") and the one
 * transformers 4.56 re-saves (`text_config`, `dtype`, type "default"). Tying is decided by the checkpoint
 * (whether `lm_head.weight` exists), never by config defaults.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface TextConfig {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Rotary half-dim split into (temporal, height, width); sums to headDim / 2. */
  mropeSection: [number, number, number];
}

export interface VisionConfig {
  depth: number;
  hiddenSize: number;
  numHeads: number;
  headDim: number;
  intermediateSize: number;
  outHiddenSize: number;
  inChannels: number;
  patchSize: number;
  temporalPatchSize: number;
  spatialMergeSize: number;
  windowSize: number;
  fullattBlockIndexes: number[];
  tokensPerSecond: number;
  /** Fixed in Qwen2.5-VL's vision blocks regardless of the text eps. */
  rmsNormEps: number;
}

export interface QwenVLConfig {
  modelType: string;
  text: TextConfig;
  vision: VisionConfig;
  imageTokenId: number;
  videoTokenId: number;
  visionStartTokenId: number;
  visionEndTokenId: number;
  /** The raw JSON, passed through (with additions) to the converted model's config.json. */
  raw: JsonObject;
}

/** A JSON object as parsed: values are checked where read. */
export type JsonObject = Record<string, unknown>;

function object(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

const SUPPORTED_ARCHITECTURES = ['Qwen2_5_VLForConditionalGeneration'];

function num(obj: JsonObject, key: string, where: string, fallback?: number): number {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ConfigError(`config.json: ${where}${key} is missing or not a number`);
  return v;
}

/** Parses and validates config.json; throws ConfigError naming the offending key. */
export function parseConfig(raw: JsonObject): QwenVLConfig {
  const archs = Array.isArray(raw.architectures)
    ? raw.architectures.filter((a): a is string => typeof a === 'string')
    : [];
  if (raw.model_type !== 'qwen2_5_vl' || !archs.some((a) => SUPPORTED_ARCHITECTURES.includes(a))) {
    throw new ConfigError(
      `unsupported architecture: model_type "${raw.model_type}", architectures ${JSON.stringify(archs)}; ` +
        `this converter handles Qwen2.5-VL (${SUPPORTED_ARCHITECTURES.join(', ')})`,
    );
  }
  // 4.56 nests the text settings in text_config; the official file keeps them at the top level.
  const t: JsonObject = { ...raw, ...object(raw.text_config) };
  const v = object(raw.vision_config);
  if (!v) throw new ConfigError('config.json: vision_config is missing');

  const hiddenSize = num(t, 'hidden_size', '');
  const numHeads = num(t, 'num_attention_heads', '');
  const headDim = hiddenSize / numHeads;
  const section = object(t.rope_scaling)?.mrope_section ?? object(raw.rope_scaling)?.mrope_section;
  if (!Array.isArray(section) || section.length !== 3 || !section.every((n) => typeof n === 'number'))
    throw new ConfigError('config.json: rope_scaling.mrope_section is missing (not a Qwen2.5-VL M-RoPE config)');
  if (section[0] + section[1] + section[2] !== headDim / 2) {
    throw new ConfigError(
      `config.json: mrope_section ${JSON.stringify(section)} does not sum to head_dim/2 = ${headDim / 2}`,
    );
  }
  const vHidden = num(v, 'hidden_size', 'vision_config.');
  const vHeads = num(v, 'num_heads', 'vision_config.');
  const hiddenAct = v.hidden_act ?? 'silu';
  if (hiddenAct !== 'silu')
    throw new ConfigError(`config.json: vision_config.hidden_act "${hiddenAct}" is not supported (expected silu)`);

  return {
    modelType: raw.model_type,
    text: {
      hiddenSize,
      numLayers: num(t, 'num_hidden_layers', ''),
      numHeads,
      numKvHeads: num(t, 'num_key_value_heads', ''),
      headDim,
      intermediateSize: num(t, 'intermediate_size', ''),
      vocabSize: num(t, 'vocab_size', ''),
      rmsNormEps: num(t, 'rms_norm_eps', ''),
      ropeTheta: num(t, 'rope_theta', ''),
      mropeSection: [section[0], section[1], section[2]],
    },
    vision: {
      depth: num(v, 'depth', 'vision_config.'),
      hiddenSize: vHidden,
      numHeads: vHeads,
      headDim: vHidden / vHeads,
      intermediateSize: num(v, 'intermediate_size', 'vision_config.'),
      outHiddenSize: num(v, 'out_hidden_size', 'vision_config.'),
      inChannels: num(v, 'in_chans', 'vision_config.', typeof v.in_channels === 'number' ? v.in_channels : 3),
      patchSize: num(v, 'patch_size', 'vision_config.'),
      temporalPatchSize: num(v, 'temporal_patch_size', 'vision_config.'),
      spatialMergeSize: num(v, 'spatial_merge_size', 'vision_config.'),
      windowSize: num(v, 'window_size', 'vision_config.'),
      fullattBlockIndexes: Array.isArray(v.fullatt_block_indexes)
        ? v.fullatt_block_indexes.filter((i): i is number => typeof i === 'number')
        : [],
      // transformers' class default when the key is absent.
      tokensPerSecond: num(v, 'tokens_per_second', 'vision_config.', 4),
      rmsNormEps: 1e-6,
    },
    imageTokenId: num(raw, 'image_token_id', ''),
    videoTokenId: num(raw, 'video_token_id', ''),
    visionStartTokenId: num(raw, 'vision_start_token_id', ''),
    visionEndTokenId: num(raw, 'vision_end_token_id', ''),
    raw,
  };
}
