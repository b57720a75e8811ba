/** A Linear layer: MatMul against a [in, out] weight initializer (what quantization turns into MatMulNBits), plus bias. */
import type { Graph, LazyTensor } from './graph.ts';

export function linear(g: Graph, name: string, x: string, weight: LazyTensor, bias?: LazyTensor): string {
  return g.scope(name, () => {
    const y = g.node('MatMul', [x, g.weight(weight)]);
    return bias ? g.node('Add', [y, g.weight(bias)], {}, { name: 'Bias' }) : y;
  });
}
