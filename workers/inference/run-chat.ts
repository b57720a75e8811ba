/**
 * One generation: prepare the prompt, encode it, then transformers.js' generate() with its TextStreamer
 * for the text and a cooperative stopping criterion for stop(). Measures time to first token (vision
 * encoder and prefill included) and the decode rate.
 */
import { TextStreamer, type InterruptableStoppingCriteria } from '@huggingface/transformers';
import type { AskResult, ChatRequest, GenerationOptions } from '../../src/lib/inference-protocol.ts';
import { InferenceError } from '../../src/lib/inference-error.ts';
import { encodePrompt } from './encode-prompt.ts';
import { promptGenerateInputs } from './generation-hooks.ts';
import type { ModelBundle } from './model-bundle.ts';
import { prepareChat, type PreparedChat } from './prepare-chat.ts';

/** ReWatch-R1's training traces reach 2,045 tokens. */
export const DEFAULT_MAX_NEW_TOKENS = 2048;

export interface RunOptions {
  stopper: InterruptableStoppingCriteria;
  onToken?: (text: string) => void;
}

function generationConfig(options: GenerationOptions): Record<string, unknown> {
  const temperature = options.temperature ?? 0;
  const sampling = temperature > 0 ? { do_sample: true, temperature, top_p: options.topP ?? 1 } : { do_sample: false };
  return { max_new_tokens: options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS, ...sampling };
}

function prepareOrReject(bundle: ModelBundle, request: ChatRequest): PreparedChat {
  try {
    return prepareChat(bundle, request);
  } catch (error) {
    throw new InferenceError('bad-input', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

export async function runChat(bundle: ModelBundle, request: ChatRequest, options: RunOptions): Promise<AskResult> {
  const started = performance.now();
  const prepared = prepareOrReject(bundle, request);
  const { prompt } = await encodePrompt(bundle.model, bundle.vision, prepared);

  const generatedIds: number[] = [];
  let firstTokenAt = 0;
  let text = '';
  const streamer = new TextStreamer(bundle.tokenizer, {
    skip_prompt: true,
    skip_special_tokens: true,
    callback_function: (piece: string) => {
      text += piece;
      options.onToken?.(piece);
    },
    token_callback_function: (tokens: bigint[]) => {
      if (generatedIds.length === 0) firstTokenAt = performance.now();
      for (const t of tokens) generatedIds.push(Number(t));
    },
  });
  await bundle.model.generate({
    ...promptGenerateInputs(prompt),
    ...generationConfig(request),
    streamer,
    stopping_criteria: [options.stopper],
  } as Parameters<typeof bundle.model.generate>[0]);
  const ended = performance.now();

  const decodeSeconds = (ended - firstTokenAt) / 1000;
  return {
    text,
    tokenIds: generatedIds,
    stopped: options.stopper.interrupted,
    stats: {
      frames: prepared.visuals.reduce((sum, v) => sum + v.frames, 0),
      visualTokens: prepared.visualTokens,
      promptTokens: prepared.inputIds.length,
      generatedTokens: generatedIds.length,
      ttftMs: generatedIds.length > 0 ? firstTokenAt - started : ended - started,
      // The first token belongs to the prefill; the rate is over the decode steps after it.
      tokensPerSecond: generatedIds.length > 1 && decodeSeconds > 0 ? (generatedIds.length - 1) / decodeSeconds : 0,
    },
  };
}
