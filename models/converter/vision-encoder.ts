/**
 * The Qwen2.5-VL vision tower as one ONNX graph, with the I/O transformers.js 4.3.1 feeds its
 * `vision_encoder` session: `pixel_values` [num_patches, C*tp*p*p] and `image_grid_thw` [num_grids, 3] in,
 * `image_features` [num_patches / sm^2, out_hidden] out, in the original (un-windowed) patch order.
 * pixel_values is float32 whatever the float type: transformers.js passes its image processor's float32
 * tensor unconverted (sessionRun casts nothing). image_features is in the float type, because
 * transformers.js copies it element-wise into embed_tokens' output, which is in the float type too.
 * Any number of grids of any sizes (images: t = 1, videos: t > 1) go through in one call; every index is
 * computed from `image_grid_thw` inside the graph (see vision-layout.ts).
 *
 * Blocks, as in the model: patch embedding (a Conv3d whose stride equals its kernel, i.e. a MatMul), then
 * `depth` pre-norm blocks (RMSNorm, attention with 2-D rotary inside windows or, for fullatt_block_indexes,
 * inside temporal slices, RMSNorm, SwiGLU MLP with biases), then the patch merger (RMSNorm, sm^2 rows -> 1,
 * Linear, GELU(erf), Linear).
 *
 * Every weight is a LazyTensor named by its checkpoint key; MatMul weights are [K, N] initializers (the
 * checkpoint's [N, K] transposed when the bytes are produced) so that the quantization pass finds them.
 * floatType 'float16' stores the MatMul weights in fp16 and runs the matrix products in fp16, but keeps in
 * fp32 what overflows or loses too much in half precision:
 * - the residual stream (hidden states between blocks) and RMSNorm statistics: Qwen2.5-VL's late vision blocks
 *   write values past fp16's 65504 into it (llama.cpp issue 17534: block 31's MLP output becomes -inf in f16;
 *   ollama PR 18070 forces fp32 for this model family's vision for the same reason);
 * - rotary, attention scores and softmax with its key-padding bias (scores are cheap next to the linears);
 * - the two projections that write into the residual stream run in fp16 on inputs pre-scaled by a power of
 *   two, their outputs cast to fp32 and scaled back (exact in real arithmetic), so they cannot overflow while
 *   their MatMuls stay ordinary fp16 MatMuls for the quantization pass. Their biases are fp32.
 */
import { floatBytes, Graph, onnx, type ElemType, type LazyTensor } from './graph.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { QwenVLConfig, VisionConfig } from './config.ts';
import { linear } from './linear.ts';
import { rmsNorm } from './rms-norm.ts';
import { matmulWeight, vectorWeight, type FloatType } from './weights.ts';
import { buildVisionLayout, type SegmentLayout, type VisionLayout } from './vision-layout.ts';

export interface VisionEncoderOptions {
  floatType: FloatType;
  /**
   * Also output intermediates for parity tests: `patch_embeds` [N, hidden] (float type), `block_output.{i}`
   * [N, hidden] (float32, patch order), `window_ids` and `slice_ids` [N] (each patch's attention segment).
   */
  debugOutputs?: boolean;
}

/** Builds the vision encoder graph; weights stay lazy (read from `ckpt` only when the writer asks). */
export function buildVisionEncoder(ckpt: Checkpoint, cfg: QwenVLConfig, opts: VisionEncoderOptions): Graph {
  const g = new Graph('vision_encoder');
  const v = cfg.vision;
  const tower = new VisionTower(g, ckpt, v, opts.floatType);
  const patchDim = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize;
  const pixelValues = g.input('pixel_values', 'float32', ['num_patches', patchDim]);
  const gridThw = g.input('image_grid_thw', 'int64', ['num_grids', 3]);
  const debug = (value: string, name: string, type: ElemType, dims: (number | string)[]) => {
    if (opts.debugOutputs) g.output(value, name, type, dims);
  };

  const features = g.scope('visual', () => {
    const layout = buildVisionLayout(g, v, pixelValues, gridThw);
    debug(layout.windows.segmentOfPatch, 'window_ids', 'int64', ['num_patches']);
    debug(layout.slices.segmentOfPatch, 'slice_ids', 'int64', ['num_patches']);
    const embeds = g.scope('patch_embed', () => tower.patchEmbed(pixelValues));
    debug(embeds, 'patch_embeds', opts.floatType, ['num_patches', v.hiddenSize]);
    // The residual stream is float32 whatever the float type (see the file comment).
    let x = g.scope('patch_embed', () => tower.toFloat32(embeds));
    for (let i = 0; i < v.depth; i++) {
      x = g.scope(`blocks.${i}`, () => tower.block(x, i, layout));
      debug(x, `block_output.${i}`, 'float32', ['num_patches', v.hiddenSize]);
    }
    return g.scope('merger', () => tower.merger(x));
  });
  g.output(features, 'image_features', opts.floatType, ['num_features', v.outHiddenSize]);
  return g;
}

/**
 * Power-of-two pre-scale of the inputs of the projections that write into the residual stream in float16
 * graphs: their outputs may then reach 2^8 * 65504 (~1.7e7) before overflowing, while inputs that become
 * subnormal lose at most 2^-24 * 2^8 ~ 1.5e-5 absolute, the fp16 rounding error of an input of ~0.03.
 */
const RESIDUAL_PROJECTION_SCALE = 2 ** -8;

/** Per-block builders over one graph; node names follow the checkpoint's module path. */
class VisionTower {
  /** `visual` (legacy layout, as the reference and the official 7B files) or `model.visual` (newer saves). */
  private readonly prefix: string;

  constructor(
    private readonly g: Graph,
    private readonly ckpt: Checkpoint,
    private readonly v: VisionConfig,
    private readonly floatType: FloatType,
  ) {
    this.prefix = ckpt.has('model.visual.patch_embed.proj.weight') ? 'model.visual' : 'visual';
  }

  /**
   * Conv3d with stride = kernel over rows already flattened as (C, tp, p, p): pixel_values @ W^T, with the
   * [hidden, C, tp, p, p] kernel stored as a [C*tp*p*p, hidden] MatMul initializer. It is small (1.5M values
   * in the 7B), so it is read whole rather than by rows.
   */
  patchEmbed(pixelValues: string): string {
    const key = `${this.prefix}.patch_embed.proj.weight`;
    const { hiddenSize, inChannels, temporalPatchSize, patchSize } = this.v;
    const shape = this.ckpt.info(key).shape;
    const expected = [hiddenSize, inChannels, temporalPatchSize, patchSize, patchSize];
    if (shape.join() !== expected.join()) throw new RangeError(`${key}: shape [${shape}] does not match the config's [${expected}]`);
    const patchDim = inChannels * temporalPatchSize * patchSize * patchSize;
    const kernel: LazyTensor = {
      name: key,
      type: this.floatType,
      dims: [patchDim, hiddenSize],
      bytes: () => {
        const src = this.ckpt.readFloat32(key);
        const out = new Float32Array(src.length);
        for (let r = 0; r < hiddenSize; r++) for (let c = 0; c < patchDim; c++) out[c * hiddenSize + r] = src[r * patchDim + c];
        return floatBytes(out, this.floatType);
      },
    };
    return linear(this.g, 'proj', this.toFloat(pixelValues), kernel);
  }

  /** Pre-norm residual block over the float32 stream; window attention unless listed in fullatt_block_indexes (then per temporal slice). */
  block(x: string, index: number, layout: VisionLayout): string {
    const full = this.v.fullattBlockIndexes.includes(index);
    const name = `${this.prefix}.blocks.${index}`;
    // Full-attention scores are [slices, heads, L, L] float32 with L = patches per slice: for 192 frames of the
    // 7B that is 96 x 16 x 512^2 x 4 B = 1.6 GB, and the mask Add and the Softmax each make another. One head at
    // a time cuts that 16-fold (still linear in frames). Window scores (64 x 64 per window) are small enough to
    // attend with all heads at once.
    const headsPerPass = full ? 1 : this.v.numHeads;
    const attn = this.g.scope('attn', () => this.attention(this.norm('norm1', x, `${name}.norm1.weight`), `${name}.attn`, full ? layout.slices : layout.windows, headsPerPass));
    const h = this.g.node('Add', [x, attn], {}, { name: 'attn_residual' });
    const mlp = this.g.scope('mlp', () => this.mlp(this.norm('norm2', h, `${name}.norm2.weight`), `${name}.mlp`));
    return this.g.node('Add', [h, mlp], {}, { name: 'mlp_residual' });
  }

  /**
   * Multi-head attention inside segments: the fused qkv rows are gathered into the padded
   * [segments, slots] layout, rotated, attended with the key-padding bias `headsPerPass` heads at a time, and
   * gathered back to patch order.
   */
  private attention(x: string, name: string, segments: SegmentLayout, headsPerPass: number): string {
    const { g } = this;
    const { numHeads, headDim, hiddenSize } = this.v;
    const qkv = this.linear('qkv', x, `${name}.qkv`, hiddenSize, 3 * hiddenSize);
    const padded = g.node('Gather', [qkv, segments.gather], { axis: 0 }, { name: 'to_segments' });
    const shape5 = g.node('Concat', [segments.shape, g.int64([3, numHeads, headDim])], { axis: 0 }, { name: 'segments_shape' });
    // [segments, slots, 3, heads, headDim] -> [3, segments, heads, slots, headDim]
    const split = g.node('Transpose', [g.node('Reshape', [padded, shape5])], { perm: [2, 0, 3, 1, 4] }, { name: 'split_heads' });
    const part = (i: number, n: string) => g.node('Gather', [split, g.int64(i)], { axis: 0 }, { name: n });
    const { cos, sin } = segments;
    // q and k stay float32 from rotary through the softmax.
    const q = g.scope('q', () => this.applyRotary(part(0, 'q'), cos, sin));
    const k = g.scope('k', () => this.applyRotary(part(1, 'k'), cos, sin));
    const scaled = g.node('Mul', [q, g.float32(headDim ** -0.5)], {}, { name: 'q_scaled' });
    const kT = g.node('Transpose', [k], { perm: [0, 1, 3, 2] }, { name: 'k_t' });
    const v = part(2, 'v');
    const passes = numHeads / headsPerPass;
    const context = passes === 1
      ? this.attend(scaled, kT, v, segments.keyBias)
      : g.node('Concat', Array.from({ length: passes }, (_, p) => g.scope(`heads.${p}`, () => {
        const heads = (t: string, n: string) => g.node('Slice', [t, g.int64([p * headsPerPass]), g.int64([(p + 1) * headsPerPass]), g.int64([1])], {}, { name: n });
        return this.attend(heads(scaled, 'q'), heads(kT, 'k_t'), heads(v, 'v'), segments.keyBias);
      })), { axis: 1 }, { name: 'context' });
    const merged = g.node('Reshape', [g.node('Transpose', [context], { perm: [0, 2, 1, 3] }, { name: 'merge_heads' }), g.int64([-1, hiddenSize])], {}, { name: 'flat_slots' });
    const back = g.node('Gather', [merged, segments.scatterBack], { axis: 0 }, { name: 'to_patches' });
    return this.residualProjection('proj', back, `${name}.proj`, hiddenSize, hiddenSize);
  }

  /** softmax(q k^T + key bias) v over [segments, heads, slots, headDim]; scores and softmax in float32. */
  private attend(q: string, kT: string, v: string, keyBias: string): string {
    const { g } = this;
    const scores = g.node('MatMul', [q, kT], {}, { name: 'scores' });
    const probs = this.toFloat(g.node('Softmax', [g.node('Add', [scores, keyBias], {}, { name: 'masked_scores' })], { axis: -1 }));
    return g.node('MatMul', [probs, v], {}, { name: 'context' });
  }

  /** x * cos + rotate_half(x) * sin, returned in float32; rotate_half(x) = concat(-x[half:], x[:half]). */
  private applyRotary(x: string, cos: string, sin: string): string {
    const { g } = this;
    const half = this.v.headDim / 2;
    const xf = this.toFloat32(x);
    const x1 = g.node('Slice', [xf, g.int64([0]), g.int64([half]), g.int64([-1])], {}, { name: 'first_half' });
    const x2 = g.node('Slice', [xf, g.int64([half]), g.int64([2 * half]), g.int64([-1])], {}, { name: 'second_half' });
    const rotated = g.node('Concat', [g.node('Neg', [x2]), x1], { axis: -1 }, { name: 'rotate_half' });
    return g.node('Add', [g.node('Mul', [xf, cos], {}, { name: 'x_cos' }), g.node('Mul', [rotated, sin], {}, { name: 'rotated_sin' })], {}, { name: 'rotary' });
  }

  /** down(silu(gate(x)) * up(x)), all three with biases. */
  private mlp(x: string, name: string): string {
    const { g } = this;
    const { hiddenSize, intermediateSize } = this.v;
    const gate = this.linear('gate_proj', x, `${name}.gate_proj`, hiddenSize, intermediateSize);
    const up = this.linear('up_proj', x, `${name}.up_proj`, hiddenSize, intermediateSize);
    const silu = g.node('Mul', [gate, g.node('Sigmoid', [gate])], {}, { name: 'act' });
    const gated = g.node('Mul', [silu, up], {}, { name: 'gated' });
    return this.residualProjection('down_proj', gated, `${name}.down_proj`, intermediateSize, hiddenSize);
  }

  /** RMSNorm(hidden), then each sm^2 consecutive rows (one merge group) -> one row, Linear, GELU(erf), Linear. */
  merger(x: string): string {
    const { g } = this;
    const { hiddenSize, outHiddenSize, spatialMergeSize } = this.v;
    const merged = hiddenSize * spatialMergeSize * spatialMergeSize;
    const name = `${this.prefix}.merger`;
    const normed = this.norm('ln_q', x, `${name}.ln_q.weight`);
    const groups = g.node('Reshape', [normed, g.int64([-1, merged])], {}, { name: 'merge_groups' });
    const fc1 = this.linear('mlp.0', groups, `${name}.mlp.0`, merged, merged);
    const act = g.scope('mlp.1', () => this.gelu(fc1));
    return this.linear('mlp.2', act, `${name}.mlp.2`, merged, outHiddenSize);
  }

  /** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)) (opset 17 has no Gelu op). */
  private gelu(x: string): string {
    const { g } = this;
    const erf = g.node('Erf', [g.node('Mul', [x, this.scalar(Math.SQRT1_2)], {}, { name: 'scale' })]);
    return g.node('Mul', [g.node('Mul', [x, this.scalar(0.5)], {}, { name: 'half' }), g.node('Add', [erf, this.scalar(1)], {}, { name: 'one_plus_erf' })], {}, { name: 'gelu' });
  }

  /**
   * RMSNorm of the float32 stream (eps fixed at 1e-6 in the vision tower), its weight kept in float32 and the
   * result cast to the float type for the Linears that follow.
   */
  private norm(scope: string, x32: string, key: string): string {
    const weight = this.checked(vectorWeight(this.ckpt, key, 'float32'), [this.v.hiddenSize]);
    return this.toFloat(this.g.scope(scope, () => rmsNorm(this.g, x32, this.g.weight(weight), this.v.rmsNormEps, 'float32')));
  }

  /** x @ W^T + b for a checkpoint Linear `${key}.weight` [out, in] and `${key}.bias` [out], in the float type. */
  private linear(scope: string, x: string, key: string, inFeatures: number, outFeatures: number): string {
    return linear(this.g, scope, x, this.matrix(`${key}.weight`, inFeatures, outFeatures), this.checked(vectorWeight(this.ckpt, `${key}.bias`, this.floatType), [outFeatures]));
  }

  /**
   * A Linear whose float32 output is added to the residual stream. In float16 graphs its fp16 MatMul sees the
   * input pre-scaled by RESIDUAL_PROJECTION_SCALE; the product is cast to float32 and scaled back, then the
   * bias, kept in float32, is added.
   */
  private residualProjection(scope: string, x: string, key: string, inFeatures: number, outFeatures: number): string {
    if (this.floatType === 'float32') return this.linear(scope, x, key, inFeatures, outFeatures);
    const { g } = this;
    const scaled = g.node('Mul', [x, this.scalar(RESIDUAL_PROJECTION_SCALE)], {}, { name: `${scope}/prescale` });
    const y = this.toFloat32(linear(g, scope, scaled, this.matrix(`${key}.weight`, inFeatures, outFeatures)));
    const unscaled = g.node('Mul', [y, g.float32(1 / RESIDUAL_PROJECTION_SCALE)], {}, { name: `${scope}/unscale` });
    const bias = this.checked(vectorWeight(this.ckpt, `${key}.bias`, 'float32'), [outFeatures]);
    return g.node('Add', [unscaled, g.weight(bias)], {}, { name: `${scope}/Bias` });
  }

  /** A Linear's weight as a [in, out] MatMul initializer (read by rows, so quantization can slice it). */
  private matrix(key: string, inFeatures: number, outFeatures: number): LazyTensor {
    return this.checked(matmulWeight(this.ckpt, key, this.floatType), [inFeatures, outFeatures]);
  }

  /** The weight, after checking that its shape is the one the config implies (a mismatched checkpoint fails here, by name). */
  private checked<T extends LazyTensor>(w: T, dims: number[]): T {
    if (w.dims.join() !== dims.join()) throw new RangeError(`${w.name}: shape [${w.dims}] is not [${dims}] as the config implies`);
    return w;
  }

  /** A scalar constant in the float type. */
  private scalar(value: number): string {
    return this.g.constant(this.floatType, floatBytes(Float32Array.of(value), this.floatType), []);
  }

  /** Cast from the float type to float32 (a no-op in a float32 graph). */
  toFloat32(x: string): string {
    return this.floatType === 'float32' ? x : this.g.node('Cast', [x], { to: onnx.TensorProto.DataType.FLOAT }, { name: 'to_float32' });
  }

  /** Cast back from float32 to the graph's float type. */
  private toFloat(x: string): string {
    return this.floatType === 'float32' ? x : this.g.node('Cast', [x], { to: onnx.TensorProto.DataType.FLOAT16 }, { name: 'to_float16' });
  }
}
