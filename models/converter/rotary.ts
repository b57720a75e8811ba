/**
 * Rotary position embedding in rotate-half form, the one application for text (M-RoPE tables, mrope.ts)
 * and vision (2-D tables, vision-layout.ts): x * cos + rotate_half(x) * sin over the last axis (head_dim),
 * with rotate_half(x) = concat(-x[half:], x[:half]).
 */
import type { Graph } from './graph.ts';

export interface RotaryTables {
  /** Angles' cos and sin, head_dim wide on the last axis, broadcast against the rotated tensor. */
  cos: string;
  sin: string;
}

export function applyRotary(g: Graph, x: string, tables: RotaryTables, headDim: number): string {
  const [x1, x2] = g.nodeN('Split', [x, g.int64([headDim / 2, headDim / 2])], { axis: -1 }, { outputs: 2 });
  const rotated = g.node('Concat', [g.node('Neg', [x2]), x1], { axis: -1 }, { role: 'rotate_half' });
  return g.node('Add', [g.node('Mul', [x, tables.cos]), g.node('Mul', [rotated, tables.sin])]);
}
