/**
 * embed_tokens with the table split into row blocks (what a 7B float32 table needs) gives exactly the rows
 * of the single-table graph, for ids at every part boundary, on onnxruntime-node and onnxruntime-web WASM,
 * for every reference checkpoint.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checkpoint } from './checkpoint.ts';
import { buildEmbedTokens } from './embed-tokens.ts';
import { loadConfig } from './convert.ts';
import { writeModel } from './onnx-writer.ts';
import { OutputSink } from './output-sink.ts';
import { referenceModelDir, referenceModels } from '../../tests/support/reference.ts';
import { int64, toFloat32 } from '../parity/host-tensor.ts';
import { openSession, RUNTIMES } from '../parity/runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'rewatch-embed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(referenceModels())('%s', (model) => {
  const input = referenceModelDir(model);
  const ckpt = Checkpoint.open(input);
  const cfg = loadConfig(input);
  const [vocab, hidden] = [cfg.text.vocabSize, cfg.text.hiddenSize];
  const partBytes = 10_000_000;
  const rowsPerPart = Math.floor(partBytes / (hidden * 4));

  it.each(RUNTIMES)('a split table gathers the same rows on %s', async (runtime) => {
    const whole = buildEmbedTokens(ckpt, cfg, { floatType: 'float32' });
    const split = buildEmbedTokens(ckpt, cfg, { floatType: 'float32', maxPartBytes: partBytes });
    expect(split.weights.length).toBe(Math.ceil(vocab / rowsPerPart));
    const ids = [0, 1, rowsPerPart - 1, rowsPerPart, 2 * rowsPerPart - 1, 2 * rowsPerPart + 5, vocab - 1, 151655];
    const run = async (name: string, g: typeof whole) => {
      await writeModel(g, dir, `${model}-${name}-${runtime}.onnx`, {
        sink: new OutputSink(),
        inlineLimitBytes: 0,
        chunkBytes: 2e9,
      });
      const s = await openSession(runtime, join(dir, `${model}-${name}-${runtime}.onnx`));
      try {
        return toFloat32((await s.run({ input_ids: int64(ids, [1, ids.length]) })).inputs_embeds);
      } finally {
        await s.release();
      }
    };
    const [a, b] = [await run('whole', whole), await run('split', split)];
    expect(b).toEqual(a);
    expect(a.subarray(0, hidden)).toEqual(ckpt.readFloat32Rows(`model.embed_tokens.weight`, 0, 1));
  });
});
