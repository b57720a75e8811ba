/**
 * Runs the vision encoder on one image or video, in chunks of whole temporal steps. Qwen2.5-VL's vision
 * attention never crosses a temporal slice (window blocks stay inside a slice, "full" blocks attend within
 * one slice), so encoding steps [a, b) alone gives exactly the rows the full call would: chunking bounds
 * GPU memory on long videos at no cost in accuracy.
 */
import { cat, Tensor, type PreTrainedModel } from '@huggingface/transformers';

/** Patches per encoder call: 8 of ReWatch's 2-frame steps (8 x 512 patches), or one step when a step is larger. */
export const MAX_PATCHES_PER_CHUNK = 4096;

export interface VisualPatches {
  /** [t*h*w, patchDim] rows in the reference's (t, h/2, w/2, 2, 2) order. */
  pixelValues: Float32Array;
  /** [t, h, w] in patches. */
  grid: readonly [number, number, number];
}

interface VisionEncoderModel {
  encode_image(inputs: { pixel_values: Tensor; image_grid_thw: Tensor }): Promise<Tensor>;
}

/** The merged vision features [t*h*w / merge^2, hidden] for one visual input, in the original (un-windowed) order. */
export async function encodeVisual(model: PreTrainedModel, patches: VisualPatches, maxPatchesPerChunk = MAX_PATCHES_PER_CHUNK): Promise<Tensor> {
  const [t, h, w] = patches.grid;
  const patchesPerStep = h * w;
  const patchDim = patches.pixelValues.length / (t * patchesPerStep);
  if (!Number.isInteger(patchDim)) throw new TypeError(`pixel values (${patches.pixelValues.length}) do not fit grid ${t}x${h}x${w}`);
  const stepsPerChunk = Math.max(1, Math.floor(maxPatchesPerChunk / patchesPerStep));
  const encoder = model as unknown as VisionEncoderModel;
  const parts: Tensor[] = [];
  for (let start = 0; start < t; start += stepsPerChunk) {
    const steps = Math.min(stepsPerChunk, t - start);
    const rows = patches.pixelValues.subarray(start * patchesPerStep * patchDim, (start + steps) * patchesPerStep * patchDim);
    parts.push(
      await encoder.encode_image({
        pixel_values: new Tensor('float32', rows, [steps * patchesPerStep, patchDim]),
        image_grid_thw: new Tensor('int64', BigInt64Array.of(BigInt(steps), BigInt(h), BigInt(w)), [1, 3]),
      }),
    );
  }
  return parts.length === 1 ? parts[0] : cat(parts, 0);
}
