/**
 * The prompt's inputs_embeds: token embeddings from the model's embed_tokens graph, with each vision
 * input's features written over its pad tokens (a masked scatter, in order of appearance).
 */
import { Tensor, type PreTrainedModel } from '@huggingface/transformers';

/** Features of all inputs of one modality (concatenated in prompt order) and the pad token they replace. */
export interface ScatterSource {
  padTokenId: number;
  features: Tensor;
}

interface TextEncoderModel {
  encode_text(inputs: { input_ids: Tensor }): Promise<Tensor>;
}

export async function promptEmbeds(model: PreTrainedModel, inputIds: Tensor, sources: ScatterSource[]): Promise<Tensor> {
  const embeds = await (model as unknown as TextEncoderModel).encode_text({ input_ids: inputIds });
  const [, length, hidden] = embeds.dims;
  const ids = inputIds.data as BigInt64Array;
  const target = embeds.data as Float32Array | Uint16Array;
  for (const { padTokenId, features } of sources) {
    const pad = BigInt(padTokenId);
    const rows = features.type === embeds.type ? features : features.to(embeds.type);
    const source = rows.data as Float32Array | Uint16Array;
    if (rows.dims[1] !== hidden) throw new Error(`vision features have width ${rows.dims[1]}, the text embeddings ${hidden}`);
    let row = 0;
    for (let i = 0; i < length; i++) {
      if (ids[i] !== pad) continue;
      if (row >= rows.dims[0]) throw new Error(`more pad tokens ${padTokenId} in the prompt than vision feature rows (${rows.dims[0]})`);
      target.set(source.subarray(row * hidden, (row + 1) * hidden), i * hidden);
      row++;
    }
    if (row !== rows.dims[0]) throw new Error(`${rows.dims[0]} vision feature rows but ${row} pad tokens ${padTokenId} in the prompt`);
  }
  return embeds;
}
