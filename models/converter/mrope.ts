/**
 * Qwen2.5-VL's multimodal rotary embedding (M-RoPE), computed in the graph from position_ids [3, batch, seq]
 * (temporal, height, width rows). Each rotary frequency takes its angle from one of the three rows:
 * the first mrope_section[0] frequencies from the temporal row, the next [1] from height, the rest from
 * width; the same choice repeats for the second half of head_dim (rotate-half layout).
 */
import { ONNX_TYPE, type Graph } from './graph.ts';
import type { TextConfig } from './config.ts';
import type { FloatType } from './weights.ts';

export interface RotaryTables {
  /** [batch, seq, 1, head_dim], broadcast over heads. */
  cos: string;
  sin: string;
}

export function mropeTables(g: Graph, positionIds: string, cfg: TextConfig, type: FloatType): RotaryTables {
  return g.scope('rotary', () => {
    const half = cfg.headDim / 2;
    // inv_freq[i] = theta^(-2i/head_dim), rounded to float32 as the reference computes it.
    const invFreq = Float32Array.from({ length: half }, (_, i) => 1 / cfg.ropeTheta ** ((2 * i) / cfg.headDim));
    const pos = g.node('Unsqueeze', [g.node('Cast', [positionIds], { to: ONNX_TYPE.float32 }), g.int64([-1])]);
    const angles = g.node('Mul', [pos, g.float32(invFreq, [half])], {}, { name: 'Angles' }); // [3, B, S, half]
    // One-hot row choice per frequency; multiplying by 0/1 and summing over the rows selects exactly.
    const [t, h] = cfg.mropeSection;
    const choice = new Float32Array(3 * half);
    for (let i = 0; i < half; i++) choice[(i < t ? 0 : i < t + h ? 1 : 2) * half + i] = 1;
    const selected = g.node('ReduceSum', [g.node('Mul', [angles, g.float32(choice, [3, 1, 1, half])], {}, { name: 'Select' }), g.int64([0])], { keepdims: 0 });
    const emb = g.node('Unsqueeze', [g.node('Concat', [selected, selected], { axis: -1 }), g.int64([2])]); // [B, S, 1, D]
    const cast = (v: string) => (type === 'float32' ? v : g.node('Cast', [v], { to: ONNX_TYPE.float16 }));
    return { cos: cast(g.node('Cos', [emb])), sin: cast(g.node('Sin', [emb])) };
  });
}

/** x * cos + rotate_half(x) * sin on [batch, seq, heads * head_dim] activations. */
export function applyRotary(g: Graph, x: string, heads: number, headDim: number, tables: RotaryTables): string {
  return g.scope('rope', () => {
    const x4 = g.node('Reshape', [x, g.int64([0, 0, heads, headDim])]);
    const [x1, x2] = g.nodeN('Split', [x4, g.int64([headDim / 2, headDim / 2])], { axis: -1 }, { outputs: 2 });
    const rotated = g.node('Concat', [g.node('Neg', [x2]), x1], { axis: -1 }, { name: 'RotateHalf' });
    const y = g.node('Add', [g.node('Mul', [x4, tables.cos], {}, { name: 'MulCos' }), g.node('Mul', [rotated, tables.sin], {}, { name: 'MulSin' })]);
    return g.node('Reshape', [y, g.int64([0, 0, heads * headDim])], {}, { name: 'Flatten' });
  });
}
