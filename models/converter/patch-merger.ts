/** The vision tower's patch merger: RMSNorm, each sm^2 consecutive rows (one merge group) -> one row, Linear, GELU(erf), Linear. */
import type { Graph } from './graph.ts';
import type { CheckpointReader } from './checkpoint-reader.ts';
import type { VisionConfig } from './config.ts';
import { checkpointLinear } from './linear.ts';
import { rmsNorm } from './rms-norm.ts';
import { vectorWeight, type FloatType } from './weights.ts';

/** The float32 stream of the vision tower `prefix` -> [N / sm^2, out_hidden] features in `type`. */
export function patchMerger(
  g: Graph,
  ckpt: CheckpointReader,
  prefix: string,
  x: string,
  v: VisionConfig,
  type: FloatType,
): string {
  const { hiddenSize, outHiddenSize, spatialMergeSize } = v;
  const merged = hiddenSize * spatialMergeSize * spatialMergeSize;
  const key = `${prefix}.merger`;
  return g.scope('merger', () => {
    const normed = rmsNorm(
      g,
      'ln_q',
      x,
      vectorWeight(ckpt, `${key}.ln_q.weight`, 'float32', hiddenSize),
      v.rmsNormEps,
      'float32',
      type,
    );
    const groups = g.node('Reshape', [normed, g.int64([-1, merged])], {}, { role: 'merge_groups' });
    const proj = checkpointLinear(g, ckpt, key, type, true);
    const fc1 = proj('mlp.0', groups, [merged, merged]);
    const act = g.scope('mlp.1', () => gelu(g, fc1, type));
    return proj('mlp.2', act, [merged, outHiddenSize]);
  });
}

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)) (opset 17 has no Gelu op). */
function gelu(g: Graph, x: string, type: FloatType): string {
  const erf = g.node('Erf', [g.node('Mul', [x, g.scalar(Math.SQRT1_2, type)], {}, { role: 'scale' })]);
  return g.node('Mul', [
    g.node('Mul', [x, g.scalar(0.5, type)], {}, { role: 'half' }),
    g.node('Add', [erf, g.scalar(1, type)], {}, { role: 'one_plus_erf' }),
  ]);
}
