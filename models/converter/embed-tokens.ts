/** The embed_tokens graph transformers.js runs first: input_ids [batch, seq] -> inputs_embeds [batch, seq, hidden]. */
import { Graph, ONNX_TYPE } from './graph.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { QwenVLConfig } from './config.ts';
import { textKeys } from './text-keys.ts';
import { tableWeight, type FloatType } from './weights.ts';

export interface EmbedTokensOptions {
  /** Activation type of inputs_embeds. */
  floatType: FloatType;
  /**
   * Storage type of the table. float16 halves a 7B table (2.2 GB -> 1.1 GB) at no cost for bf16 checkpoints:
   * every bf16 value in half's normal range is exactly representable in half.
   */
  tableType: FloatType;
}

export function buildEmbedTokens(ckpt: Checkpoint, cfg: QwenVLConfig, opts: EmbedTokensOptions): Graph {
  const g = new Graph('embed_tokens');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const key = `${textKeys(ckpt).prefix}embed_tokens.weight`;
  let embeds = g.scope('model', () => g.scope('embed_tokens', () => g.node('Gather', [g.weight(tableWeight(ckpt, key, opts.tableType)), ids], { axis: 0 })));
  if (opts.tableType !== opts.floatType) embeds = g.node('Cast', [embeds], { to: ONNX_TYPE[opts.floatType] }, { name: 'CastEmbeds' });
  g.output(embeds, 'inputs_embeds', opts.floatType, ['batch_size', 'sequence_length', cfg.text.hiddenSize]);
  return g;
}
