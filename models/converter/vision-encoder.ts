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
 * Blocks, as in the model, one function each: patch embedding (patch-embed.ts), then `depth` pre-norm
 * blocks (vision-block.ts: RMSNorm, attention with 2-D rotary inside windows or, for fullatt_block_indexes,
 * inside temporal slices (vision-attention.ts), RMSNorm, SwiGLU MLP with biases (mlp.ts)), then the patch
 * merger (patch-merger.ts). Linears, RMSNorm and rotary are the decoder's builders.
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
 *   their MatMuls stay ordinary fp16 MatMuls for the quantization pass. Their biases are fp32 (vision-block.ts).
 */
import { Graph, type ElemType } from './graph.ts';
import type { CheckpointReader } from './checkpoint-reader.ts';
import type { QwenVLConfig } from './config.ts';
import { patchEmbed } from './patch-embed.ts';
import { patchMerger } from './patch-merger.ts';
import { visionBlock } from './vision-block.ts';
import { buildVisionLayout } from './vision-layout.ts';
import type { FloatType } from './weights.ts';

export interface VisionEncoderOptions {
  floatType: FloatType;
  /**
   * Also output intermediates for parity tests: `patch_embeds` [N, hidden] (float type), `block_output.{i}`
   * [N, hidden] (float32, patch order), `window_ids` and `slice_ids` [N] (each patch's attention segment).
   */
  debugOutputs?: boolean;
}

/** Builds the vision encoder graph; weights stay lazy (read from `ckpt` only when the writer asks). */
export function buildVisionEncoder(ckpt: CheckpointReader, cfg: QwenVLConfig, opts: VisionEncoderOptions): Graph {
  const g = new Graph('vision_encoder');
  const v = cfg.vision;
  const type = opts.floatType;
  // `visual` (legacy layout, as the reference and the official 7B files) or `model.visual` (newer saves).
  const prefix = ckpt.has('model.visual.patch_embed.proj.weight') ? 'model.visual' : 'visual';
  const patchDim = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize;
  const pixelValues = g.input('pixel_values', 'float32', ['num_patches', patchDim]);
  const gridThw = g.input('image_grid_thw', 'int64', ['num_grids', 3]);
  const debug = (value: string, name: string, elemType: ElemType, dims: (number | string)[]) => {
    if (opts.debugOutputs) g.output(value, name, elemType, dims);
  };

  const features = g.scope('visual', () => {
    const layout = buildVisionLayout(g, v, pixelValues, gridThw);
    debug(layout.windows.segmentOfPatch, 'window_ids', 'int64', ['num_patches']);
    debug(layout.slices.segmentOfPatch, 'slice_ids', 'int64', ['num_patches']);
    const embeds = patchEmbed(g, ckpt, prefix, pixelValues, v, type);
    debug(embeds, 'patch_embeds', type, ['num_patches', v.hiddenSize]);
    // The residual stream is float32 whatever the float type (see the file comment).
    let x = g.scope('patch_embed', () => g.cast(embeds, type, 'float32'));
    for (let i = 0; i < v.depth; i++) {
      x = visionBlock(g, ckpt, prefix, i, x, v, type, layout);
      debug(x, `block_output.${i}`, 'float32', ['num_patches', v.hiddenSize]);
    }
    return patchMerger(g, ckpt, prefix, x, v, type);
  });
  g.output(features, 'image_features', type, ['num_features', v.outHiddenSize]);
  return g;
}
