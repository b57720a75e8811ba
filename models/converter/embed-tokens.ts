/** The embed_tokens graph transformers.js runs first: input_ids [batch, seq] -> inputs_embeds [batch, seq, hidden]. */
import { Graph } from './graph.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { QwenVLConfig } from './config.ts';
import { textKeys } from './text-keys.ts';
import { tableWeight, type FloatType } from './weights.ts';

export interface EmbedTokensOptions {
  /** Type of the table and of inputs_embeds. */
  floatType: FloatType;
}

export function buildEmbedTokens(ckpt: Checkpoint, cfg: QwenVLConfig, opts: EmbedTokensOptions): Graph {
  const g = new Graph('embed_tokens');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const key = `${textKeys(ckpt).prefix}embed_tokens.weight`;
  const embeds = g.scope('model', () => g.scope('embed_tokens', () => g.node('Gather', [g.weight(tableWeight(ckpt, key, opts.floatType)), ids], { axis: 0 })));
  g.output(embeds, 'inputs_embeds', opts.floatType, ['batch_size', 'sequence_length', cfg.text.hiddenSize]);
  return g;
}
