/** Qwen2's SwiGLU MLP: down(silu(gate(x)) * up(x)), no biases. */
import type { Graph } from './graph.ts';
import type { Checkpoint } from './checkpoint.ts';
import { linear } from './linear.ts';
import { matmulWeight, type FloatType } from './weights.ts';

export function swiGluMlp(g: Graph, ckpt: Checkpoint, prefix: string, x: string, type: FloatType): string {
  return g.scope('mlp', () => {
    const proj = (name: string, input: string) => linear(g, name, input, matmulWeight(ckpt, `${prefix}.${name}.weight`, type));
    const gate = proj('gate_proj', x);
    const silu = g.node('Mul', [gate, g.node('Sigmoid', [gate])], {}, { name: 'SiLU' });
    return proj('down_proj', g.node('Mul', [silu, proj('up_proj', x)], {}, { name: 'Gate' }));
  });
}
