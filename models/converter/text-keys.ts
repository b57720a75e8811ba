/**
 * Where the language model's tensors live in a checkpoint. Files saved by transformers <= 4.51 (and the
 * official Qwen2.5-VL / ReWatch-R1 uploads) use `model.layers.*`; newer saves use `model.language_model.*`.
 */
import type { CheckpointReader } from './checkpoint-reader.ts';
import { CheckpointError } from './checkpoint-reader.ts';

export interface TextKeys {
  /** Prefix of `embed_tokens`, `layers.N`, `norm`. */
  prefix: string;
  /** The untied output projection, or the embedding table when the checkpoint ties them. */
  lmHead: string;
  tied: boolean;
}

export function textKeys(ckpt: CheckpointReader): TextKeys {
  const prefix = ['model.', 'model.language_model.'].find((p) => ckpt.has(`${p}embed_tokens.weight`));
  if (!prefix)
    throw new CheckpointError(`tensor "model.embed_tokens.weight" is missing from the checkpoint in ${ckpt.dir}`);
  // Tying is decided by the checkpoint's contents, never by config defaults (they differ between versions).
  const tied = !ckpt.has('lm_head.weight');
  return { prefix, lmHead: tied ? `${prefix}embed_tokens.weight` : 'lm_head.weight', tied };
}
