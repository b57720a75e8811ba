/**
 * A synthetic checkpoint of a preset's exact shapes, converted once (GroupQueryAttention) and kept for later
 * runs: what the inference benchmarks load. The prompt-side files (Qwen's tokenizer, chat template,
 * generation config) come from a reference checkpoint folder; the preprocessor gets ReWatch-R1's pixel budget.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convert } from '../converter/convert.ts';
import type { ModelDtype } from '../../src/lib/models/model-layout.ts';
import { REWATCH_FRAME_PIXELS } from '../../src/lib/preprocess/smart-resize.ts';
import { PRESETS, type PresetName } from './presets.ts';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.ts';

/** Files a converted folder needs besides the graphs. */
export const PROMPT_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'chat_template.json',
  'generation_config.json',
  'preprocessor_config.json',
];

/** `<dir>/<preset>-<dtype>`, converted from a synthetic checkpoint first when it is not there yet (or `reconvert`). */
export async function syntheticModel(
  dir: string,
  preset: PresetName,
  dtype: ModelDtype,
  promptFilesFrom: string,
  reconvert = false,
): Promise<string> {
  const out = join(dir, `${preset}-${dtype}`);
  if (existsSync(join(out, 'config.json')) && !reconvert) return out;
  const ckpt = join(dir, `.checkpoint-${preset}`);
  rmSync(ckpt, { recursive: true, force: true });
  try {
    let started = performance.now();
    const bytes = writeSyntheticCheckpoint(ckpt, PRESETS[preset]);
    console.log(
      `${preset}: synthetic checkpoint ${(bytes / 1e9).toFixed(2)} GB in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    for (const f of PROMPT_FILES) copyFileSync(join(promptFilesFrom, f), join(ckpt, f));
    // ReWatch-R1's pixel budget: 128*28*28 per frame.
    const preprocessor = JSON.parse(readFileSync(join(ckpt, 'preprocessor_config.json'), 'utf8'));
    writeFileSync(
      join(ckpt, 'preprocessor_config.json'),
      JSON.stringify({ ...preprocessor, min_pixels: REWATCH_FRAME_PIXELS, max_pixels: REWATCH_FRAME_PIXELS }),
    );
    started = performance.now();
    await convert({
      input: ckpt,
      output: out,
      dtypes: [dtype],
      attention: 'gqa',
      log: (line) => console.log(`  ${line}`),
    });
    console.log(`${preset}: converted to ${dtype} in ${((performance.now() - started) / 1000).toFixed(0)} s -> ${out}`);
    return out;
  } finally {
    rmSync(ckpt, { recursive: true, force: true });
  }
}
