/** The embed_tokens graph transformers.js runs first: input_ids [batch, seq] -> inputs_embeds [batch, seq, hidden]. */
import { tableRowsPerPart } from '../../src/lib/models/model-layout.ts';
import { Graph } from './graph.ts';
import type { CheckpointReader } from './checkpoint-reader.ts';
import type { QwenVLConfig } from './config.ts';
import { textKeys } from './text-keys.ts';
import { tableWeight, type FloatType } from './weights.ts';

export interface EmbedTokensOptions {
  /** Type of the table and of inputs_embeds. */
  floatType: FloatType;
  /** Split threshold (default: src/lib/models/model-layout.ts MAX_TABLE_PART_BYTES). */
  maxPartBytes?: number;
}

export function buildEmbedTokens(ckpt: CheckpointReader, cfg: QwenVLConfig, opts: EmbedTokensOptions): Graph {
  const g = new Graph('embed_tokens');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const key = `${textKeys(ckpt).prefix}embed_tokens.weight`;
  const [vocab, hidden] = ckpt.info(key).shape;
  const bytes = opts.floatType === 'float32' ? 4 : 2;
  const rowsPerPart =
    opts.maxPartBytes === undefined
      ? tableRowsPerPart(vocab, hidden, bytes)
      : Math.floor(opts.maxPartBytes / (hidden * bytes));
  const embeds = g.scope('model', () =>
    g.scope('embed_tokens', () => {
      if (vocab <= rowsPerPart)
        return g.node('Gather', [g.weight(tableWeight(ckpt, key, opts.floatType)), ids], { axis: 0 });
      // Each part gathers with ids shifted into its range (others clamped to row 0), and its rows win where the id is its own.
      let result = '';
      for (let start = 0; start < vocab; start += rowsPerPart) {
        const count = Math.min(rowsPerPart, vocab - start);
        // Named like the part's weight (`...embed_tokens.weight.rows_<start>`).
        result = g.scope(`rows_${start}`, () => {
          const part = g.weight(tableWeight(ckpt, key, opts.floatType, { start, count }));
          const local = g.node('Sub', [ids, g.int64(start)], {}, { role: 'shift' });
          const mine = g.node(
            'And',
            [g.node('GreaterOrEqual', [local, g.int64(0)]), g.node('Less', [local, g.int64(count)])],
            {},
            { role: 'in_part' },
          );
          const rows = g.node('Gather', [part, g.node('Where', [mine, local, g.int64(0)], {}, { role: 'clamp' })], {
            axis: 0,
          });
          return start === 0
            ? rows
            : g.node('Where', [g.node('Unsqueeze', [mine, g.int64([-1])]), rows, result], {}, { role: 'pick' });
        });
      }
      return result;
    }),
  );
  g.output(embeds, 'inputs_embeds', opts.floatType, ['batch_size', 'sequence_length', cfg.text.hiddenSize]);
  return g;
}
