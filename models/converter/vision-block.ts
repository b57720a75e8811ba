/**
 * One pre-norm vision block over the float32 residual stream: h = x + attn(norm1(x)), then
 * h + mlp(norm2(h)). Norms compute in float32 and hand the float type to the Linears that follow; the two
 * projections that write into the stream (attn.proj, mlp.down_proj) return float32 (see residualLinear).
 */
import type { Graph } from './graph.ts';
import type { CheckpointReader } from './checkpoint-reader.ts';
import type { VisionConfig } from './config.ts';
import { checkpointLinear, linear, type Linear } from './linear.ts';
import { swiGluMlp } from './mlp.ts';
import { rmsNorm } from './rms-norm.ts';
import { visionAttention } from './vision-attention.ts';
import type { VisionLayout } from './vision-layout.ts';
import { matmulWeight, vectorWeight, type FloatType } from './weights.ts';

/**
 * Power-of-two pre-scale of the inputs of the projections that write into the residual stream in float16
 * graphs: their outputs may then reach 2^8 * 65504 (~1.7e7) before overflowing, while inputs that become
 * subnormal lose at most 2^-24 * 2^8 ~ 1.5e-5 absolute, the fp16 rounding error of an input of ~0.03.
 */
const RESIDUAL_PROJECTION_SCALE = 2 ** -8;

/** Block `index` of the vision tower `prefix`; window attention unless listed in fullatt_block_indexes (then per temporal slice). */
export function visionBlock(
  g: Graph,
  ckpt: CheckpointReader,
  prefix: string,
  index: number,
  x: string,
  v: VisionConfig,
  type: FloatType,
  layout: VisionLayout,
): string {
  const key = `${prefix}.blocks.${index}`;
  return g.scope(`blocks.${index}`, () => {
    const norm = (name: string, x32: string) =>
      rmsNorm(
        g,
        name,
        x32,
        vectorWeight(ckpt, `${key}.${name}.weight`, 'float32', v.hiddenSize),
        v.rmsNormEps,
        'float32',
        type,
      );
    const linears = (module: string): [Linear, Linear] => [
      checkpointLinear(g, ckpt, `${key}.${module}`, type, true),
      residualLinear(g, ckpt, `${key}.${module}`, type),
    ];
    const full = v.fullattBlockIndexes.includes(index);
    // Full-attention scores are [slices, heads, L, L] float32 with L = patches per slice: for 192 frames of the
    // 7B that is 96 x 16 x 512^2 x 4 B = 1.6 GB, and the mask Add and the Softmax each make another. One head at
    // a time cuts that 16-fold (still linear in frames). Window scores (64 x 64 per window) are small enough to
    // attend with all heads at once.
    const attn = visionAttention(
      g,
      norm('norm1', x),
      v,
      type,
      full ? layout.slices : layout.windows,
      full ? 1 : v.numHeads,
      ...linears('attn'),
    );
    const h = g.node('Add', [x, attn], {}, { role: 'attn_residual' });
    const mlp = swiGluMlp(g, norm('norm2', h), v.hiddenSize, v.intermediateSize, ...linears('mlp'));
    return g.node('Add', [h, mlp], {}, { role: 'mlp_residual' });
  });
}

/**
 * The checkpoint module `prefix`'s Linears whose float32 output is added to the residual stream. In float16
 * graphs the fp16 MatMul sees the input pre-scaled by RESIDUAL_PROJECTION_SCALE; the product is cast to
 * float32 and scaled back, then the bias, kept in float32, is added.
 */
function residualLinear(g: Graph, ckpt: CheckpointReader, prefix: string, type: FloatType): Linear {
  if (type === 'float32') return checkpointLinear(g, ckpt, prefix, type, true);
  return (name, x, features) =>
    g.scope(name, () => {
      const scaled = g.node('Mul', [x, g.scalar(RESIDUAL_PROJECTION_SCALE, type)], {}, { role: 'prescale' });
      const y = g.cast(
        linear(g, scaled, matmulWeight(ckpt, `${prefix}.${name}.weight`, type, features)),
        type,
        'float32',
      );
      const unscaled = g.node('Mul', [y, g.float32(1 / RESIDUAL_PROJECTION_SCALE)], {}, { role: 'unscale' });
      return g.node('Add', [unscaled, g.weight(vectorWeight(ckpt, `${prefix}.${name}.bias`, 'float32', features[1]))]);
    });
}
