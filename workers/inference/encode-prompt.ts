/**
 * From a prepared prompt to the tensors generate() takes: each visual through the vision encoder (videos
 * with their video grid), the features scattered over their pads, and the position ids as a tensor.
 */
import { cat, Tensor, type PreTrainedModel } from '@huggingface/transformers';
import type { PromptTensors } from './generation-hooks.ts';
import type { VisionSettings } from './model-bundle.ts';
import type { PreparedChat } from './prepare-chat.ts';
import { promptEmbeds, type ScatterSource } from './prompt-embeds.ts';
import { encodeVisual } from './vision-features.ts';

export interface EncodedPrompt {
  prompt: PromptTensors;
  /** Merged vision features per visual, in prompt order (for parity checks). */
  features: Tensor[];
}

export async function encodePrompt(model: PreTrainedModel, vision: VisionSettings, prepared: PreparedChat): Promise<EncodedPrompt> {
  const features: Tensor[] = [];
  for (const visual of prepared.visuals) features.push(await encodeVisual(model, visual.patches));
  const sources: ScatterSource[] = [];
  for (const [kind, padTokenId] of [['image', vision.imageTokenId], ['video', vision.videoTokenId]] as const) {
    const rows = features.filter((_, i) => prepared.visuals[i].kind === kind);
    if (rows.length > 0) sources.push({ padTokenId, features: rows.length === 1 ? rows[0] : cat(rows, 0) });
  }
  const length = prepared.inputIds.length;
  const inputIds = new Tensor('int64', BigInt64Array.from(prepared.inputIds, BigInt), [1, length]);
  const inputsEmbeds = await promptEmbeds(model, inputIds, sources);
  const positions = new BigInt64Array(3 * length);
  prepared.positionIds.forEach((row, r) => positions.set(BigInt64Array.from(row, BigInt), r * length));
  return {
    prompt: { inputIds, inputsEmbeds, positionIds: new Tensor('int64', positions, [3, 1, length]), ropeDelta: prepared.ropeDelta },
    features,
  };
}
