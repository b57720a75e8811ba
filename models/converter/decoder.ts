/**
 * decoder_model_merged: one graph for prefill and decode steps, with the input/output names transformers.js
 * uses for Qwen2.5-VL. inputs_embeds [batch, seq, hidden] (vision features already scattered in),
 * attention_mask [batch, past + seq], position_ids [3, batch, seq], past_key_values.N.{key,value}
 * [batch, kv_heads, past, head_dim] (empty on the first step), num_logits_to_keep (0 = all positions);
 * outputs logits (float32) and present.N.{key,value}.
 */
import { Graph } from './graph.ts';
import type { CheckpointReader } from './checkpoint-reader.ts';
import type { QwenVLConfig } from './config.ts';
import type { AttentionKernel } from '../../src/lib/models/model-layout.ts';
import { groupQueryAttention, selfAttention, standardAttention } from './attention.ts';
import { swiGluMlp } from './mlp.ts';
import { mropeTables } from './mrope.ts';
import { rmsNorm } from './rms-norm.ts';
import { checkpointLinear, linear } from './linear.ts';
import { textKeys } from './text-keys.ts';
import { matmulWeight, vectorWeight, type FloatType } from './weights.ts';

export interface DecoderOptions {
  floatType: FloatType;
  /** Attention kernel (see attention.ts); default 'gqa'. */
  attention?: AttentionKernel;
}

export function buildDecoder(ckpt: CheckpointReader, cfg: QwenVLConfig, opts: DecoderOptions): Graph {
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

  // Norm weights stay float32: the norm computes in float32 (rms-norm.ts).
  const norm = (prefix: string, name: string, x: string) =>
    rmsNorm(g, name, x, vectorWeight(ckpt, `${prefix}${name}.weight`, 'float32', t.hiddenSize), t.rmsNormEps, type);
  g.scope('model', () => {
    const rotary = mropeTables(g, positions, t, type);
    const attend =
      (opts.attention ?? 'gqa') === 'gqa'
        ? groupQueryAttention(g, t, mask)
        : standardAttention(g, t, type, mask, embeds);
    for (let i = 0; i < t.numLayers; i++) {
      const prefix = `${keys.prefix}layers.${i}.`;
      hidden = g.scope(`layers.${i}`, () => {
        const attnProj = (bias: boolean) => checkpointLinear(g, ckpt, `${prefix}self_attn`, type, bias);
        const attn = selfAttention(
          g,
          norm(prefix, 'input_layernorm', hidden),
          t,
          attnProj(true),
          attnProj(false),
          rotary,
          attend,
          caches[i],
        );
        const h = g.node('Add', [hidden, attn], {}, { role: 'attn_residual' });
        const mlp = swiGluMlp(
          g,
          norm(prefix, 'post_attention_layernorm', h),
          t.hiddenSize,
          t.intermediateSize,
          checkpointLinear(g, ckpt, `${prefix}mlp`, type, false),
        );
        return g.node('Add', [h, mlp], {}, { role: 'mlp_residual' });
      });
    }
    hidden = norm(keys.prefix, 'norm', hidden);
  });

  // Only the last num_logits_to_keep positions reach lm_head (a prefill needs one row, not seq x vocab).
  const kept = g.node(
    'Slice',
    [
      hidden,
      g.node('Neg', [g.node('Unsqueeze', [keep, g.int64([0])])]),
      g.int64([Number.MAX_SAFE_INTEGER]),
      g.int64([1]),
    ],
    {},
    { role: 'keep_last' },
  );
  const lmHead = g.scope('lm_head', () =>
    linear(g, kept, matmulWeight(ckpt, keys.lmHead, type, [t.hiddenSize, t.vocabSize])),
  );
  const logits = g.scope('logits', () => g.cast(lmHead, type, 'float32'));

  g.output(logits, 'logits', 'float32', ['batch_size', 'num_logits', t.vocabSize]);
  for (const c of caches) {
    g.output(c.presentKey, c.presentKey, type, presentDims);
    g.output(c.presentValue, c.presentValue, type, presentDims);
  }
  return g;
}
