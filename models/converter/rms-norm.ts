/** RMSNorm with its arithmetic in float32 whatever the activation types, as Qwen2's RMSNorm does. */
import type { Graph, LazyTensor } from './graph.ts';
import type { FloatType } from './weights.ts';

/** The norm module `name` on `x` (in `inType`), its result in `outType`. */
export function rmsNorm(
  g: Graph,
  name: string,
  x: string,
  weight: LazyTensor,
  eps: number,
  inType: FloatType,
  outType: FloatType = inType,
): string {
  return g.scope(name, () => {
    const x32 = g.cast(x, inType, 'float32');
    const meanSquare = g.node('ReduceMean', [g.node('Mul', [x32, x32])], { axes: [-1], keepdims: 1 });
    const rms = g.node('Sqrt', [g.node('Add', [meanSquare, g.float32(eps)])]);
    return g.cast(g.node('Mul', [g.node('Div', [x32, rms]), g.weight(weight)]), 'float32', outType);
  });
}
