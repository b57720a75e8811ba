/**
 * Qwen2 self-attention: q/k/v projections with bias, o_proj without; M-RoPE applied to q and k outside the
 * attention kernel; kv heads shared across query groups (GQA); causal; the KV cache extended by the new
 * positions. Two kernels compute the same thing:
 * - 'gqa' (default): com.microsoft GroupQueryAttention, which never materialises a seq x seq score matrix
 *   (a 12k-token video prompt would need 16 GB of scores per layer otherwise).
 * - 'sdpa': standard ONNX ops (MatMul, Softmax) with the scores in memory, for small prompts and test
 *   fixtures. (onnxruntime-web's WebGPU GroupQueryAttention prefill is wrong on adapters with fewer than
 *   8 subgroup lanes, e.g. SwiftShader; an ORT shader bug that the inference worker works around, not a
 *   graph one: see models/README.md.)
 */
import { ONNX_TYPE, type Graph } from './graph.ts';
import type { TextConfig } from './config.ts';
import type { Checkpoint } from './checkpoint.ts';
import { linear } from './linear.ts';
import { applyRotary, type RotaryTables } from './mrope.ts';
import { matmulWeight, vectorWeight, type FloatType } from './weights.ts';

export interface KvCache {
  pastKey: string;
  pastValue: string;
  presentKey: string;
  presentValue: string;
}


/** One layer's attention core: rotated q [B, S, H*D], k and v [B, S, KV*D] in, [B, S, H*D] out, cache extended. */
export type Attend = (q: string, k: string, v: string, cache: KvCache) => string;

/** GroupQueryAttention, with the lengths it needs computed once per graph from attention_mask. */
export function groupQueryAttention(g: Graph, cfg: TextConfig, attentionMask: string): Attend {
  const { seqlensK, totalLength } = g.scope('attn_lengths', () => {
    const valid = g.node('ReduceSum', [attentionMask, g.int64([1])], { keepdims: 0 });
    // GQA wants each row's last valid index (valid tokens - 1) and past + current length, as int32.
    const seqlensK = g.node('Cast', [g.node('Sub', [valid, g.int64(1)])], { to: ONNX_TYPE.int32 });
    const total = g.node('Gather', [g.node('Shape', [attentionMask]), g.int64(1)], { axis: 0 });
    return { seqlensK, totalLength: g.node('Cast', [total], { to: ONNX_TYPE.int32 }, { name: 'CastTotal' }) };
  });
  return (q, k, v, cache) =>
    g.nodeN(
      'GroupQueryAttention',
      [q, k, v, cache.pastKey, cache.pastValue, seqlensK, totalLength],
      { num_heads: cfg.numHeads, kv_num_heads: cfg.numKvHeads, scale: { f: 1 / Math.sqrt(cfg.headDim) } },
      { domain: 'com.microsoft', outputs: [`${g.path()}/GroupQueryAttention/output_0`, cache.presentKey, cache.presentValue] },
    )[0];
}

/** One decoder layer's self-attention block (projections, M-RoPE, the kernel, o_proj). */
export function selfAttention(g: Graph, ckpt: Checkpoint, prefix: string, x: string, cfg: TextConfig, type: FloatType, rotary: RotaryTables, attend: Attend, cache: KvCache): string {
  return g.scope('attn', () => {
    const proj = (name: string, bias: boolean) =>
      linear(g, name, x, matmulWeight(ckpt, `${prefix}.${name}.weight`, type), bias ? vectorWeight(ckpt, `${prefix}.${name}.bias`, type) : undefined);
    const q = applyRotary(g, proj('q_proj', true), cfg.numHeads, cfg.headDim, rotary);
    const k = applyRotary(g, proj('k_proj', true), cfg.numKvHeads, cfg.headDim, rotary);
    const out = attend(q, k, proj('v_proj', true), cache);
    return linear(g, 'o_proj', out, matmulWeight(ckpt, `${prefix}.o_proj.weight`, type));
  });
}

/** Attention in standard ops, the mask bias computed once per graph: scores [B, KV, G, S, T], softmax in float32. */
export function standardAttention(g: Graph, cfg: TextConfig, type: FloatType, attentionMask: string, inputsEmbeds: string): Attend {
  const bias = attentionBias(g, attentionMask, inputsEmbeds);
  const group = cfg.numHeads / cfg.numKvHeads;
  const d = cfg.headDim;
  return (q, k, v, cache) => g.scope('sdpa', () => {
    const toHeads = (x: string, heads: number, name: string) =>
      g.node('Transpose', [g.node('Reshape', [x, g.int64([0, 0, heads, d])], {}, { name: `${name}Heads` })], { perm: [0, 2, 1, 3] }, { name: `${name}Transpose` });
    const key = g.node('Concat', [cache.pastKey, toHeads(k, cfg.numKvHeads, 'K')], { axis: 2 }, { name: 'AppendKey', outputs: [cache.presentKey] });
    const value = g.node('Concat', [cache.pastValue, toHeads(v, cfg.numKvHeads, 'V')], { axis: 2 }, { name: 'AppendValue', outputs: [cache.presentValue] });
    // [B, H, S, D] -> [B, KV, G, S, D]: each kv head serves `group` consecutive query heads.
    const query = g.node('Reshape', [toHeads(q, cfg.numHeads, 'Q'), g.int64([0, cfg.numKvHeads, group, -1, d])], {}, { name: 'QGroups' });
    const keyT = g.node('Unsqueeze', [g.node('Transpose', [key], { perm: [0, 1, 3, 2] }, { name: 'KeyT' }), g.int64([2])], {}, { name: 'KeyTGroups' });
    let scores = g.node('MatMul', [query, keyT], {}, { name: 'Scores' });
    if (type !== 'float32') scores = g.node('Cast', [scores], { to: ONNX_TYPE.float32 }, { name: 'CastScores' });
    scores = g.node('Add', [g.node('Mul', [scores, g.float32(1 / Math.sqrt(d))], {}, { name: 'Scale' }), bias], {}, { name: 'Mask' });
    let probs = g.node('Softmax', [scores], { axis: -1 });
    if (type !== 'float32') probs = g.node('Cast', [probs], { to: ONNX_TYPE.float16 }, { name: 'CastProbs' });
    const context = g.node('MatMul', [probs, g.node('Unsqueeze', [value, g.int64([2])], {}, { name: 'ValueGroups' })], {}, { name: 'Context' });
    const heads = g.node('Reshape', [context, g.int64([0, cfg.numHeads, -1, d])], {}, { name: 'ContextHeads' });
    return g.node('Reshape', [g.node('Transpose', [heads], { perm: [0, 2, 1, 3] }, { name: 'ContextTranspose' }), g.int64([0, 0, cfg.numHeads * d])], {}, { name: 'Merge' });
  });
}

/**
 * float32 [B, 1, 1, S, T]: 0 where query i (at position past + i) may see key j (j <= past + i and not
 * padding), else float32's lowest (finite, so a fully padded row stays finite instead of NaN).
 */
function attentionBias(g: Graph, attentionMask: string, inputsEmbeds: string): string {
  return g.scope('attn_bias', () => {
    const total = g.node('Gather', [g.node('Shape', [attentionMask]), g.int64(1)], { axis: 0 }, { name: 'Total' });
    const seq = g.node('Gather', [g.node('Shape', [inputsEmbeds]), g.int64(1)], { axis: 0 }, { name: 'Seq' });
    const queryPos = g.node('Range', [g.node('Sub', [total, seq]), total, g.int64(1)], {}, { name: 'QueryPos' });
    const keyPos = g.node('Range', [g.int64(0), total, g.int64(1)], {}, { name: 'KeyPos' });
    const causal = g.node('LessOrEqual', [g.node('Unsqueeze', [keyPos, g.int64([0])]), g.node('Unsqueeze', [queryPos, g.int64([1])])], {}, { name: 'Causal' });
    const valid = g.node('Unsqueeze', [g.node('Equal', [attentionMask, g.int64(1)], {}, { name: 'NotPadding' }), g.int64([1, 2, 3])]);
    return g.node('Where', [g.node('And', [causal, valid]), g.float32(0), g.float32(-3.4028234663852886e38)]);
  });
}
