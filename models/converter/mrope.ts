/**
 * Qwen2.5-VL's multimodal rotary embedding (M-RoPE) tables, computed in the graph from position_ids
 * [3, batch, seq] (temporal, height, width rows). Each rotary frequency takes its angle from one of the three
 * rows: the first mrope_section[0] frequencies from the temporal row, the next [1] from height, the rest from
 * width; the same choice repeats for the second half of head_dim (rotate-half layout, see rotary.ts).
 */
import type { Graph } from './graph.ts';
import type { TextConfig } from './config.ts';
import type { RotaryTables } from './rotary.ts';
import type { FloatType } from './weights.ts';

/** cos and sin [batch, seq, 1, head_dim] in `type`, broadcast over heads. */
export function mropeTables(g: Graph, positionIds: string, cfg: TextConfig, type: FloatType): RotaryTables {
  return g.scope('rotary', () => {
    const half = cfg.headDim / 2;
    // inv_freq[i] = theta^(-2i/head_dim), rounded to float32 as the reference computes it.
    const invFreq = Float32Array.from({ length: half }, (_, i) => 1 / cfg.ropeTheta ** ((2 * i) / cfg.headDim));
    const pos = g.node('Unsqueeze', [g.cast(positionIds, 'int64', 'float32'), g.int64([-1])]);
    const angles = g.node('Mul', [pos, g.float32(invFreq, [half])], {}, { role: 'angles' }); // [3, B, S, half]
    // One-hot row choice per frequency; multiplying by 0/1 and summing over the rows selects exactly.
    const [t, h] = cfg.mropeSection;
    const choice = new Float32Array(3 * half);
    for (let i = 0; i < half; i++) choice[(i < t ? 0 : i < t + h ? 1 : 2) * half + i] = 1;
    const selected = g.node(
      'ReduceSum',
      [g.node('Mul', [angles, g.float32(choice, [3, 1, 1, half])], {}, { role: 'select' }), g.int64([0])],
      { keepdims: 0 },
    );
    const emb = g.node('Unsqueeze', [g.node('Concat', [selected, selected], { axis: -1 }), g.int64([2])]); // [B, S, 1, D]
    return { cos: g.cast(g.node('Cos', [emb]), 'float32', type), sin: g.cast(g.node('Sin', [emb]), 'float32', type) };
  });
}
