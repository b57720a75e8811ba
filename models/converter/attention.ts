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
import type { Graph } from './graph.ts';
import type { TextConfig } from './config.ts';
import type { Linear } from './linear.ts';
import { applyRotary, type RotaryTables } from './rotary.ts';
import type { FloatType } from './weights.ts';

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
    const seqlensK = g.cast(g.node('Sub', [valid, g.int64(1)]), 'int64', 'int32');
    const total = g.node('Gather', [g.node('Shape', [attentionMask]), g.int64(1)], { axis: 0 });
    return { seqlensK, totalLength: g.cast(total, 'int64', 'int32') };
  });
  return (q, k, v, cache) =>
    g.nodeN(
      'GroupQueryAttention',
      [q, k, v, cache.pastKey, cache.pastValue, seqlensK, totalLength],
      { num_heads: cfg.numHeads, kv_num_heads: cfg.numKvHeads, scale: { f: 1 / Math.sqrt(cfg.headDim) } },
      {
        domain: 'com.microsoft',
        outputs: [`${g.path()}/GroupQueryAttention/output_0`, cache.presentKey, cache.presentValue],
      },
    )[0];
}

/** One decoder layer's self-attention block: q/k/v by `proj`, M-RoPE on q and k, the kernel, o_proj by `outProj`. */
export function selfAttention(
  g: Graph,
  x: string,
  cfg: TextConfig,
  proj: Linear,
  outProj: Linear,
  rotary: RotaryTables,
  attend: Attend,
  cache: KvCache,
): string {
  const { hiddenSize, numHeads, numKvHeads, headDim } = cfg;
  return g.scope('attn', () => {
    // [B, S, heads * D] -> [B, S, heads, D] for the tables, and back.
    const rotate = (name: string, y: string, heads: number) =>
      g.scope(name, () =>
        g.node('Reshape', [
          applyRotary(g, g.node('Reshape', [y, g.int64([0, 0, heads, headDim])]), rotary, headDim),
          g.int64([0, 0, heads * headDim]),
        ]),
      );
    const q = rotate('q_rotary', proj('q_proj', x, [hiddenSize, numHeads * headDim]), numHeads);
    const k = rotate('k_rotary', proj('k_proj', x, [hiddenSize, numKvHeads * headDim]), numKvHeads);
    const out = attend(q, k, proj('v_proj', x, [hiddenSize, numKvHeads * headDim]), cache);
    return outProj('o_proj', out, [numHeads * headDim, hiddenSize]);
  });
}

/** Attention in standard ops, the mask bias computed once per graph: scores [B, KV, G, S, T], softmax in float32. */
export function standardAttention(
  g: Graph,
  cfg: TextConfig,
  type: FloatType,
  attentionMask: string,
  inputsEmbeds: string,
): Attend {
  const bias = attentionBias(g, attentionMask, inputsEmbeds);
  const group = cfg.numHeads / cfg.numKvHeads;
  const d = cfg.headDim;
  return (q, k, v, cache) =>
    g.scope('sdpa', () => {
      const toHeads = (x: string, heads: number, name: string) =>
        g.node(
          'Transpose',
          [g.node('Reshape', [x, g.int64([0, 0, heads, d])], {}, { role: `${name}_heads` })],
          { perm: [0, 2, 1, 3] },
          { role: `${name}_heads` },
        );
      const key = g.node(
        'Concat',
        [cache.pastKey, toHeads(k, cfg.numKvHeads, 'k')],
        { axis: 2 },
        { role: 'append_key', outputs: [cache.presentKey] },
      );
      const value = g.node(
        'Concat',
        [cache.pastValue, toHeads(v, cfg.numKvHeads, 'v')],
        { axis: 2 },
        { role: 'append_value', outputs: [cache.presentValue] },
      );
      // [B, H, S, D] -> [B, KV, G, S, D]: each kv head serves `group` consecutive query heads.
      const query = g.node(
        'Reshape',
        [toHeads(q, cfg.numHeads, 'q'), g.int64([0, cfg.numKvHeads, group, -1, d])],
        {},
        { role: 'q_groups' },
      );
      const keyT = g.node(
        'Unsqueeze',
        [g.node('Transpose', [key], { perm: [0, 1, 3, 2] }, { role: 'key_t' }), g.int64([2])],
        {},
        { role: 'key_t_groups' },
      );
      const scores = g.cast(g.node('MatMul', [query, keyT], {}, { role: 'scores' }), type, 'float32');
      const masked = g.node(
        'Add',
        [g.node('Mul', [scores, g.float32(1 / Math.sqrt(d))], {}, { role: 'scale' }), bias],
        {},
        { role: 'mask' },
      );
      const probs = g.cast(g.node('Softmax', [masked], { axis: -1 }), 'float32', type);
      const context = g.node(
        'MatMul',
        [probs, g.node('Unsqueeze', [value, g.int64([2])], {}, { role: 'value_groups' })],
        {},
        { role: 'context' },
      );
      const heads = g.node('Reshape', [context, g.int64([0, cfg.numHeads, -1, d])], {}, { role: 'context_heads' });
      return g.node(
        'Reshape',
        [
          g.node('Transpose', [heads], { perm: [0, 2, 1, 3] }, { role: 'context_heads' }),
          g.int64([0, 0, cfg.numHeads * d]),
        ],
        {},
        { role: 'merge_heads' },
      );
    });
}

/**
 * float32 [B, 1, 1, S, T]: 0 where query i (at position past + i) may see key j (j <= past + i and not
 * padding), else float32's lowest (finite, so a fully padded row stays finite instead of NaN).
 */
function attentionBias(g: Graph, attentionMask: string, inputsEmbeds: string): string {
  return g.scope('attn_bias', () => {
    const total = g.node('Gather', [g.node('Shape', [attentionMask]), g.int64(1)], { axis: 0 }, { role: 'total' });
    const seq = g.node('Gather', [g.node('Shape', [inputsEmbeds]), g.int64(1)], { axis: 0 }, { role: 'seq' });
    const queryPos = g.node('Range', [g.node('Sub', [total, seq]), total, g.int64(1)], {}, { role: 'query_pos' });
    const keyPos = g.node('Range', [g.int64(0), total, g.int64(1)], {}, { role: 'key_pos' });
    const causal = g.node(
      'LessOrEqual',
      [g.node('Unsqueeze', [keyPos, g.int64([0])]), g.node('Unsqueeze', [queryPos, g.int64([1])])],
      {},
      { role: 'causal' },
    );
    const valid = g.node('Unsqueeze', [
      g.node('Equal', [attentionMask, g.int64(1)], {}, { role: 'not_padding' }),
      g.int64([1, 2, 3]),
    ]);
    return g.node('Where', [g.node('And', [causal, valid]), g.float32(0), g.float32(-3.4028234663852886e38)]);
  });
}
