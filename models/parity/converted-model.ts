/**
 * A converted model folder driven the way transformers.js drives it: vision_encoder for features,
 * embed_tokens for ids, features scattered into the vision pad rows, then decoder_model_merged for the
 * prompt (empty KV cache) and one token per step after it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DTYPE_PLANS, type Dtype } from '../converter/dtypes.ts';
import { int64, toFloat32, type HostTensor } from './host-tensor.ts';
import { openSession, type GraphSession, type RuntimeName } from './runtime.ts';

export class ConvertedModel {
  private past: Record<string, HostTensor> = {};
  private pastLength = 0;

  private constructor(
    readonly dtype: Dtype,
    private readonly config: Record<string, any>,
    private readonly vision: GraphSession,
    private readonly embed: GraphSession,
    private readonly decoder: GraphSession,
  ) {}

  static async open(dir: string, dtype: Dtype, runtime: RuntimeName): Promise<ConvertedModel> {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const file = (name: string) => join(dir, 'onnx', `${name}${DTYPE_PLANS[dtype].suffix}.onnx`);
    const [vision, embed, decoder] = await Promise.all(['vision_encoder', 'embed_tokens', 'decoder_model_merged'].map((n) => openSession(runtime, file(n))));
    return new ConvertedModel(dtype, config, vision, embed, decoder);
  }

  private get floatType() {
    return DTYPE_PLANS[this.dtype].floatType;
  }

  /** Merged vision features [num_patches / 4, hidden] for pixel values [num_patches, patchDim] and grids [k, 3]. */
  async visionFeatures(pixelValues: Float32Array, patchDim: number, grid: BigInt64Array): Promise<HostTensor> {
    const out = await this.vision.run({
      // float32 for every dtype, as transformers.js feeds its processor's output (fp16 graphs cast inside).
      pixel_values: { type: 'float32', dims: [pixelValues.length / patchDim, patchDim], data: pixelValues },
      image_grid_thw: { type: 'int64', dims: [grid.length / 3, 3], data: grid },
    });
    return out.image_features;
  }

  /** Token embeddings [1, S, hidden] with each `features` block written over the rows holding its pad token. */
  async embedPrompt(ids: BigInt64Array, features: { tokenId: number; values: HostTensor }[]): Promise<HostTensor> {
    const embeds = (await this.embed.run({ input_ids: { type: 'int64', dims: [1, ids.length], data: ids } })).inputs_embeds;
    const hidden = embeds.dims[2];
    for (const { tokenId, values } of features) {
      let row = 0;
      for (let i = 0; i < ids.length; i++) {
        if (Number(ids[i]) !== tokenId) continue;
        if ((row + 1) * hidden > values.data.length) throw new Error(`more token ${tokenId} pads in the prompt than vision features (${values.dims[0]})`);
        (embeds.data as Float32Array | Uint16Array).set((values.data as Float32Array | Uint16Array).subarray(row * hidden, (row + 1) * hidden), i * hidden);
        row++;
      }
      if (row !== values.dims[0]) throw new Error(`prompt has ${row} token ${tokenId} pads but there are ${values.dims[0]} vision features`);
    }
    return embeds;
  }

  get imageTokenId(): number {
    return this.config.image_token_id;
  }

  get videoTokenId(): number {
    return this.config.video_token_id;
  }

  /** Runs the decoder on new positions, extending the KV cache; returns float32 logits of the last position. */
  async step(embeds: HostTensor, positionIds: BigInt64Array): Promise<Float32Array> {
    const seq = embeds.dims[1];
    if (this.pastLength === 0) this.past = this.emptyCache();
    const out = await this.decoder.run({
      inputs_embeds: embeds,
      attention_mask: int64(new Array(this.pastLength + seq).fill(1), [1, this.pastLength + seq]),
      position_ids: { type: 'int64', dims: [3, 1, seq], data: positionIds },
      num_logits_to_keep: int64([1], []),
      ...this.past,
    });
    this.past = Object.fromEntries(Object.entries(out).filter(([k]) => k.startsWith('present.')).map(([k, v]) => [k.replace('present.', 'past_key_values.'), v]));
    this.pastLength += seq;
    return toFloat32(out.logits);
  }

  /** Forgets the KV cache (next step is a new prompt). */
  reset(): void {
    this.pastLength = 0;
    this.past = {};
  }

  private emptyCache(): Record<string, HostTensor> {
    const text = this.config.text_config;
    const dims = [1, text.num_key_value_heads, 0, text.head_dim];
    const empty = (): HostTensor => (this.floatType === 'float32' ? { type: 'float32', dims, data: new Float32Array(0) } : { type: 'float16', dims, data: new Uint16Array(0) });
    return Object.fromEntries(this.decoder.inputNames.filter((n) => n.startsWith('past_key_values.')).map((n) => [n, empty()]));
  }

  async release(): Promise<void> {
    await Promise.all([this.vision.release(), this.embed.release(), this.decoder.release()]);
  }
}
