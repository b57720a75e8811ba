/**
 * The SwiGLU MLP of Qwen2's decoder layers and Qwen2.5-VL's vision blocks: down(silu(gate(x)) * up(x)).
 * The Linears come from the caller (the text MLP has no biases, the vision one has them and writes its
 * down projection into a float32 residual stream).
 */
import type { Graph } from './graph.ts';
import type { Linear } from './linear.ts';

export function swiGluMlp(
  g: Graph,
  x: string,
  hiddenSize: number,
  intermediateSize: number,
  proj: Linear,
  downProj: Linear = proj,
): string {
  return g.scope('mlp', () => {
    const gate = proj('gate_proj', x, [hiddenSize, intermediateSize]);
    const act = g.scope('act_fn', () => g.node('Mul', [gate, g.node('Sigmoid', [gate])]));
    return downProj('down_proj', g.node('Mul', [act, proj('up_proj', x, [hiddenSize, intermediateSize])]), [
      intermediateSize,
      hiddenSize,
    ]);
  });
}
