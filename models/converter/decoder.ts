/**
 * decoder_model_merged: one graph for prefill and decode steps, with the input/output names transformers.js
 * uses for Qwen2.5-VL. inputs_embeds [batch, seq, hidden] (vision features already scattered in),
 * attention_mask [batch, past + seq], position_ids [3, batch, seq], past_key_values.N.{key,value}
 * [batch, kv_heads, past, head_dim] (empty on the first step), num_logits_to_keep (0 = all positions);
 * outputs logits (float32) and present.N.{key,value}.
 */
import { Graph, ONNX_TYPE } from './graph.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { QwenVLConfig } from './config.ts';
import type { AttentionKernel } from '../../src/lib/models/model-layout.ts';
import { groupQueryAttention, selfAttention, standardAttention } from './attention.ts';
import { swiGluMlp } from './mlp.ts';
import { mropeTables } from './mrope.ts';
import { rmsNorm } from './rms-norm.ts';
import { linear } from './linear.ts';
import { textKeys } from './text-keys.ts';
import { matmulWeight, vectorWeight, type FloatType } from './weights.ts';

export interface DecoderOptions {
  floatType: FloatType;
  /** Attention kernel (see attention.ts); default 'gqa'. */
  attention?: AttentionKernel;
}

export function buildDecoder(ckpt: Checkpoint, cfg: QwenVLConfig, opts: DecoderOptions): Graph {
  const t = cfg.text;
  const type = opts.floatType;
  const keys = textKeys(ckpt);
  const g = new Graph('decoder_model_merged');
  const cacheDims = ['batch_size', t.numKvHeads, 'past_sequence_length', t.headDim];
  const presentDims = ['batch_size', t.numKvHeads, 'total_sequence_length', t.headDim];

  const embeds = g.input('inputs_embeds', type, ['batch_size', 'sequence_length', t.hiddenSize]);
  let hidden = embeds;
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positions = g.input('position_ids', 'int64', [3, 'batch_size', 'sequence_length']);
  const caches = Array.from({ length: t.numLayers }, (_, i) => ({
    pastKey: g.input(`past_key_values.${i}.key`, type, cacheDims),
    pastValue: g.input(`past_key_values.${i}.value`, type, cacheDims),
    presentKey: `present.${i}.key`,
    presentValue: `present.${i}.value`,
  }));
  const keep = g.input('num_logits_to_keep', 'int64', []);

  g.scope('model', () => {
    const rotary = mropeTables(g, positions, t, type);
    const attend = (opts.attention ?? 'gqa') === 'gqa' ? groupQueryAttention(g, t, mask) : standardAttention(g, t, type, mask, embeds);
    for (let i = 0; i < t.numLayers; i++) {
      const prefix = `${keys.prefix}layers.${i}`;
      hidden = g.scope(`layers.${i}`, () => {
        const norm = (name: string, x: string) => g.scope(name, () => rmsNorm(g, x, g.weight(vectorWeight(ckpt, `${prefix}.${name}.weight`, 'float32')), t.rmsNormEps, type));
        const attn = selfAttention(g, ckpt, `${prefix}.self_attn`, norm('input_layernorm', hidden), t, type, rotary, attend, caches[i]);
        const h = g.node('Add', [hidden, attn], {}, { name: 'AttnResidual' });
        return g.node('Add', [h, swiGluMlp(g, ckpt, `${prefix}.mlp`, norm('post_attention_layernorm', h), type)], {}, { name: 'MlpResidual' });
      });
    }
    hidden = g.scope('norm', () => rmsNorm(g, hidden, g.weight(vectorWeight(ckpt, `${keys.prefix}norm.weight`, 'float32')), t.rmsNormEps, type));
  });

  // Only the last num_logits_to_keep positions reach lm_head (a prefill needs one row, not seq x vocab).
  const kept = g.node('Slice', [hidden, g.node('Neg', [g.node('Unsqueeze', [keep, g.int64([0])])]), g.int64([Number.MAX_SAFE_INTEGER]), g.int64([1])], {}, { name: 'KeepLast' });
  let logits = linear(g, 'lm_head', kept, matmulWeight(ckpt, keys.lmHead, type));
  if (type !== 'float32') logits = g.node('Cast', [logits], { to: ONNX_TYPE.float32 }, { name: 'CastLogits' });

  g.output(logits, 'logits', 'float32', ['batch_size', 'num_logits', t.vocabSize]);
  for (const c of caches) {
    g.output(c.presentKey, c.presentKey, type, presentDims);
    g.output(c.presentValue, c.presentValue, type, presentDims);
  }
  return g;
}
