/**
 * Linear layers. `linear` emits x @ W (+ b): a MatMul against a [in, out] weight initializer, which the
 * quantization pass turns into MatMulNBits for 4-bit dtypes. A `Linear` emits one named Linear of a module;
 * blocks take them as arguments, so the caller decides per call where weights come from, whether there is a
 * bias and in which precision.
 */
import type { Graph, LazyTensor } from './graph.ts';
import type { CheckpointReader } from './checkpoint-reader.ts';
import { matmulWeight, vectorWeight, type FloatType } from './weights.ts';

/** Emits the Linear child `name` of a module on `x`, mapping `features` [in, out]; its nodes under `.../name/`. */
export type Linear = (name: string, x: string, features: [inFeatures: number, outFeatures: number]) => string;

/** x @ weight (+ bias) in the current scope. */
export function linear(g: Graph, x: string, weight: LazyTensor, bias?: LazyTensor): string {
  const y = g.node('MatMul', [x, g.weight(weight)]);
  return bias ? g.node('Add', [y, g.weight(bias)]) : y;
}

/** The checkpoint module `prefix`'s Linears: `${prefix}.${name}.weight` (and `.bias` when `bias`), in `type`. */
export function checkpointLinear(
  g: Graph,
  ckpt: CheckpointReader,
  prefix: string,
  type: FloatType,
  bias: boolean,
): Linear {
  return (name, x, features) =>
    g.scope(name, () =>
      linear(
        g,
        x,
        matmulWeight(ckpt, `${prefix}.${name}.weight`, type, features),
        bias ? vectorWeight(ckpt, `${prefix}.${name}.bias`, type, features[1]) : undefined,
      ),
    );
}
