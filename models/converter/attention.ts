/**
 * Qwen2 self-attention: q/k/v projections with bias, o_proj without; M-RoPE applied to q and k outside the
 * attention op; then com.microsoft GroupQueryAttention, which shares kv heads across query heads, applies
 * the causal mask itself, appends the new keys/values to the cache and never materialises a
 * seq x seq score matrix (a 12k-token video prompt would need 16 GB of scores otherwise).
 */
import { ONNX_TYPE, type Graph } from './graph.ts';
import type { TextConfig } from './config.ts';
import type { Checkpoint } from './checkpoint.ts';
import { linear } from './linear.ts';
import { applyRotary, type RotaryTables } from './mrope.ts';
import { matmulWeight, vectorWeight, type FloatType } from './weights.ts';

/** Per-step values every layer's attention shares, derived once from attention_mask. */
export interface AttentionLengths {
  /** int32 [batch]: index of each row's last valid token (valid tokens - 1), as GQA wants. */
  seqlensK: string;
  /** int32 scalar: past + current length. */
  totalLength: string;
}

export interface KvCache {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}

export function attentionLengths(g: Graph, attentionMask: string): AttentionLengths {
  return g.scope('attn_lengths', () => {
    const valid = g.node('ReduceSum', [attentionMask, g.int64([1])], { keepdims: 0 });
    const seqlensK = g.node('Cast', [g.node('Sub', [valid, g.int64(1)])], { to: ONNX_TYPE.int32 });
    const total = g.node('Gather', [g.node('Shape', [attentionMask]), g.int64(1)], { axis: 0 });
    return { seqlensK, totalLength: g.node('Cast', [total], { to: ONNX_TYPE.int32 }, { name: 'CastTotal' }) };
  });
}

export function selfAttention(
  g: Graph, ckpt: Checkpoint, prefix: string, x: string, cfg: TextConfig, type: FloatType,
  rotary: RotaryTables, lengths: AttentionLengths, cache: KvCache,
): string {
  return g.scope('attn', () => {
    const proj = (name: string, bias: boolean) =>
      linear(g, name, x, matmulWeight(ckpt, `${prefix}.${name}.weight`, type), bias ? vectorWeight(ckpt, `${prefix}.${name}.bias`, type) : undefined);
    const q = applyRotary(g, proj('q_proj', true), cfg.numHeads, cfg.headDim, rotary);
    const k = applyRotary(g, proj('k_proj', true), cfg.numKvHeads, cfg.headDim, rotary);
    const v = proj('v_proj', true);
    const [out] = g.nodeN(
      'GroupQueryAttention',
      [q, k, v, cache.pastKey, cache.pastValue, lengths.seqlensK, lengths.totalLength],
      { num_heads: cfg.numHeads, kv_num_heads: cfg.numKvHeads, scale: { f: 1 / Math.sqrt(cfg.headDim) } },
      { domain: 'com.microsoft', outputs: [`${g.path()}/GroupQueryAttention/output_0`, cache.presentKey, cache.presentValue] },
    );
    return linear(g, 'o_proj', out, matmulWeight(ckpt, `${prefix}.o_proj.weight`, type));
  });
}
