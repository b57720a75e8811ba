/**
 * How video (and image) prompts reach transformers.js' Qwen2_5_VLForConditionalGeneration.
 *
 * The library computes Qwen2.5-VL position ids without absolute-time scaling and has no video encoder path,
 * so we compute the prompt side ourselves (inputs_embeds with vision features scattered in, M-RoPE position
 * ids from src/lib/rope-index.ts, the rope delta) and let the library do what it does well: the decode
 * loop, the KV cache on the GPU, sampling, stopping criteria and streaming.
 *
 * Two instance hooks make `generate()` accept those inputs (see README.md for why not a subclass):
 * - `forward_params` gains `inputs_embeds` and `rope_deltas`, so generate() keeps them in its model inputs;
 * - `prepare_inputs_for_generation` is replaced: the prefill step passes our embeds and position ids as
 *   given; each later step drops the prompt embeds (the library embeds the new token from input_ids) and
 *   feeds the new token at position `past_length + rope_delta` on all three M-RoPE rows, as transformers
 *   4.56 does;
 * - `forward` first yields one task to the event loop, so a stop() message is handled between two tokens
 *   even where the runtime's run() resolves without yielding (WASM in a worker).
 */
import { Tensor, type PreTrainedModel } from '@huggingface/transformers';

/** Everything the prefill needs, computed outside the library. */
export interface PromptTensors {
  /** int64 [1, S]: the expanded prompt (vision pads included); the streamer and max length use it. */
  inputIds: Tensor;
  /** [1, S, hidden] in the decoder's float type, vision rows scattered in. */
  inputsEmbeds: Tensor;
  /** int64 [3, 1, S]. */
  positionIds: Tensor;
  /** max(position) + 1 - S. */
  ropeDelta: number;
}

const HOOKED = Symbol('rewatch-generation-hooks');

interface HookableModel {
  forward_params: string[];
  forward(inputs: unknown): Promise<unknown>;
  sessions: Record<string, { inputNames: string[] }>;
  prepare_inputs_for_generation(...args: unknown[]): unknown;
  [HOOKED]?: true;
}

interface StepInputs {
  past_key_values?: { get_seq_length(): number } | null;
  inputs_embeds?: Tensor | null;
  position_ids?: Tensor | null;
  rope_deltas?: Tensor;
  num_logits_to_keep?: Tensor;
}

/**
 * Installs the hooks on a loaded model (idempotent). Throws if the library no longer has the members the
 * hooks rely on, so a library upgrade that changes them fails at load, not with wrong answers.
 */
export function installGenerationHooks(model: PreTrainedModel): void {
  const hookable = model as unknown as HookableModel;
  if (hookable[HOOKED]) return;
  const decoder = hookable.sessions?.decoder_model_merged;
  if (!Array.isArray(hookable.forward_params) || typeof hookable.prepare_inputs_for_generation !== 'function' || typeof hookable.forward !== 'function' || !decoder) {
    throw new Error('this transformers.js version has no forward_params / prepare_inputs_for_generation / forward / decoder_model_merged session on Qwen2_5_VLForConditionalGeneration: update workers/inference/generation-hooks.ts');
  }
  for (const name of ['inputs_embeds', 'rope_deltas']) {
    if (!hookable.forward_params.includes(name)) hookable.forward_params.push(name);
  }
  const keepsLogits = decoder.inputNames.includes('num_logits_to_keep');
  hookable.prepare_inputs_for_generation = (_allIds: unknown, inputs: StepInputs) => {
    const pastLength = inputs.past_key_values?.get_seq_length() ?? 0;
    if (pastLength > 0) {
      if (!inputs.rope_deltas) throw new Error('generation hooks: rope_deltas missing from the model inputs');
      inputs.inputs_embeds = null;
      const position = BigInt(pastLength) + (inputs.rope_deltas.data as BigInt64Array)[0];
      inputs.position_ids = new Tensor('int64', BigInt64Array.of(position, position, position), [3, 1, 1]);
    }
    // Only the last position's logits are needed (a full prefill would be S x vocab floats).
    if (keepsLogits) inputs.num_logits_to_keep = new Tensor('int64', BigInt64Array.of(1n), []);
    return inputs;
  };
  const forward = hookable.forward.bind(hookable);
  hookable.forward = async (inputs: unknown) => {
    await nextTask();
    return forward(inputs);
  };
  hookable[HOOKED] = true;
}

/** Resolves on a fresh task (a MessageChannel message: unlike setTimeout it is not clamped to 4 ms). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** The generate() keyword arguments that carry our prompt tensors through the hooks. */
export function promptGenerateInputs(prompt: PromptTensors): Record<string, Tensor> {
  const [batch, length] = prompt.inputIds.dims;
  return {
    inputs: prompt.inputIds,
    attention_mask: new Tensor('int64', new BigInt64Array(batch * length).fill(1n), [batch, length]),
    inputs_embeds: prompt.inputsEmbeds,
    position_ids: prompt.positionIds,
    rope_deltas: new Tensor('int64', BigInt64Array.of(BigInt(prompt.ropeDelta)), [1, 1]),
  };
}
