/**
 * Qwen2.5-VL model shapes for the conversion benchmark, as in the official config.json files. The vision
 * tower is the same for every size. There is no 0.5B Qwen2.5-VL: '0.5b' pairs Qwen2.5-0.5B's language
 * model with that vision tower (mrope_section scaled to its head_dim of 64). 'tiny' is the reference
 * checkpoint's shape.
 */

export interface Preset {
  text: {
    hidden: number;
    layers: number;
    heads: number;
    kvHeads: number;
    intermediate: number;
    vocab: number;
    tied: boolean;
    mropeSection: [number, number, number];
  };
  vision: { depth: number; hidden: number; heads: number; intermediate: number; fullatt: number[] };
}

const VISION = { depth: 32, hidden: 1280, heads: 16, intermediate: 3420, fullatt: [7, 15, 23, 31] };

export const PRESETS = {
  tiny: {
    text: {
      hidden: 64,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      intermediate: 128,
      vocab: 151936,
      tied: true,
      mropeSection: [2, 3, 3],
    },
    vision: { depth: 4, hidden: 32, heads: 2, intermediate: 64, fullatt: [1, 3] },
  },
  '0.5b': {
    text: {
      hidden: 896,
      layers: 24,
      heads: 14,
      kvHeads: 2,
      intermediate: 4864,
      vocab: 151936,
      tied: true,
      mropeSection: [8, 12, 12],
    },
    vision: VISION,
  },
  '3b': {
    text: {
      hidden: 2048,
      layers: 36,
      heads: 16,
      kvHeads: 2,
      intermediate: 11008,
      vocab: 151936,
      tied: true,
      mropeSection: [16, 24, 24],
    },
    vision: VISION,
  },
  '7b': {
    text: {
      hidden: 3584,
      layers: 28,
      heads: 28,
      kvHeads: 4,
      intermediate: 18944,
      vocab: 152064,
      tied: false,
      mropeSection: [16, 24, 24],
    },
    vision: VISION,
  },
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;

/** config.json in the official layout (text settings at the top level). */
export function presetConfig(p: Preset): Record<string, unknown> {
  return {
    architectures: ['Qwen2_5_VLForConditionalGeneration'],
    model_type: 'qwen2_5_vl',
    attention_dropout: 0,
    bos_token_id: 151643,
    eos_token_id: 151645,
    vision_start_token_id: 151652,
    vision_end_token_id: 151653,
    vision_token_id: 151654,
    image_token_id: 151655,
    video_token_id: 151656,
    hidden_act: 'silu',
    hidden_size: p.text.hidden,
    intermediate_size: p.text.intermediate,
    max_position_embeddings: 128000,
    num_attention_heads: p.text.heads,
    num_hidden_layers: p.text.layers,
    num_key_value_heads: p.text.kvHeads,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    tie_word_embeddings: p.text.tied,
    torch_dtype: 'bfloat16',
    vocab_size: p.text.vocab,
    vision_config: {
      depth: p.vision.depth,
      hidden_act: 'silu',
      hidden_size: p.vision.hidden,
      intermediate_size: p.vision.intermediate,
      num_heads: p.vision.heads,
      in_chans: 3,
      out_hidden_size: p.text.hidden,
      patch_size: 14,
      spatial_merge_size: 2,
      spatial_patch_size: 14,
      window_size: 112,
      fullatt_block_indexes: p.vision.fullatt,
      tokens_per_second: 2,
      temporal_patch_size: 2,
    },
    rope_scaling: { type: 'mrope', mrope_section: p.text.mropeSection },
  };
}

/** Every tensor of the checkpoint, in the legacy key layout the official files use, with its shape. */
export function presetTensors(p: Preset): [string, number[]][] {
  const t = p.text;
  const v = p.vision;
  const headDim = t.hidden / t.heads;
  const out: [string, number[]][] = [['model.embed_tokens.weight', [t.vocab, t.hidden]]];
  for (let i = 0; i < t.layers; i++) {
    const l = `model.layers.${i}`;
    out.push(
      [`${l}.input_layernorm.weight`, [t.hidden]],
      [`${l}.self_attn.q_proj.weight`, [t.hidden, t.hidden]],
      [`${l}.self_attn.q_proj.bias`, [t.hidden]],
      [`${l}.self_attn.k_proj.weight`, [t.kvHeads * headDim, t.hidden]],
      [`${l}.self_attn.k_proj.bias`, [t.kvHeads * headDim]],
      [`${l}.self_attn.v_proj.weight`, [t.kvHeads * headDim, t.hidden]],
      [`${l}.self_attn.v_proj.bias`, [t.kvHeads * headDim]],
      [`${l}.self_attn.o_proj.weight`, [t.hidden, t.hidden]],
      [`${l}.post_attention_layernorm.weight`, [t.hidden]],
      [`${l}.mlp.gate_proj.weight`, [t.intermediate, t.hidden]],
      [`${l}.mlp.up_proj.weight`, [t.intermediate, t.hidden]],
      [`${l}.mlp.down_proj.weight`, [t.hidden, t.intermediate]],
    );
  }
  out.push(['model.norm.weight', [t.hidden]]);
  if (!t.tied) out.push(['lm_head.weight', [t.vocab, t.hidden]]);
  out.push(['visual.patch_embed.proj.weight', [v.hidden, 3, 2, 14, 14]]);
  for (let i = 0; i < v.depth; i++) {
    const b = `visual.blocks.${i}`;
    out.push(
      [`${b}.norm1.weight`, [v.hidden]],
      [`${b}.norm2.weight`, [v.hidden]],
      [`${b}.attn.qkv.weight`, [3 * v.hidden, v.hidden]],
      [`${b}.attn.qkv.bias`, [3 * v.hidden]],
      [`${b}.attn.proj.weight`, [v.hidden, v.hidden]],
      [`${b}.attn.proj.bias`, [v.hidden]],
      [`${b}.mlp.gate_proj.weight`, [v.intermediate, v.hidden]],
      [`${b}.mlp.gate_proj.bias`, [v.intermediate]],
      [`${b}.mlp.up_proj.weight`, [v.intermediate, v.hidden]],
      [`${b}.mlp.up_proj.bias`, [v.intermediate]],
      [`${b}.mlp.down_proj.weight`, [v.hidden, v.intermediate]],
      [`${b}.mlp.down_proj.bias`, [v.hidden]],
    );
  }
  const merged = v.hidden * 4;
  out.push(
    ['visual.merger.ln_q.weight', [v.hidden]],
    ['visual.merger.mlp.0.weight', [merged, merged]],
    ['visual.merger.mlp.0.bias', [merged]],
    ['visual.merger.mlp.2.weight', [t.hidden, merged]],
    ['visual.merger.mlp.2.bias', [t.hidden]],
  );
  return out;
}
