/**
 * The vision tower's patch embedding: a Conv3d with stride = kernel over rows already flattened as
 * (C, tp, p, p), i.e. pixel_values @ W^T, with the [hidden, C, tp, p, p] kernel stored as a [C*tp*p*p, hidden]
 * MatMul initializer. It is small (1.5M values in the 7B), so it is read whole rather than by rows.
 */
import { floatBytes, type Graph, type LazyTensor } from './graph.ts';
import type { CheckpointReader } from './checkpoint-reader.ts';
import type { VisionConfig } from './config.ts';
import { linear } from './linear.ts';
import type { FloatType } from './weights.ts';

/** float32 pixel rows of the vision tower `prefix` -> [N, hidden] patch embeddings in `type`. */
export function patchEmbed(
  g: Graph,
  ckpt: CheckpointReader,
  prefix: string,
  pixelValues: string,
  v: VisionConfig,
  type: FloatType,
): string {
  const key = `${prefix}.patch_embed.proj.weight`;
  const { hiddenSize, inChannels, temporalPatchSize, patchSize } = v;
  const shape = ckpt.info(key).shape;
  const expected = [hiddenSize, inChannels, temporalPatchSize, patchSize, patchSize];
  if (shape.join() !== expected.join())
    throw new RangeError(`${key}: shape [${shape}] does not match the config's [${expected}]`);
  const patchDim = inChannels * temporalPatchSize * patchSize * patchSize;
  const kernel: LazyTensor = {
    name: key,
    type,
    dims: [patchDim, hiddenSize],
    bytes: () => {
      const src = ckpt.readFloat32(key);
      const out = new Float32Array(src.length);
      for (let r = 0; r < hiddenSize; r++)
        for (let c = 0; c < patchDim; c++) out[c * hiddenSize + r] = src[r * patchDim + c];
      return floatBytes(out, type);
    },
  };
  return g.scope('patch_embed', () => {
    const x = g.cast(pixelValues, 'float32', type);
    return g.scope('proj', () => linear(g, x, kernel));
  });
}
