/**
 * Parity from the raw input: a reference case's raw frames / image, sample rate and messages go through
 * the app's own preprocessing (src/lib resize, patchify, chat template, pad expansion, M-RoPE positions, via
 * workers/inference/prepare-chat.ts with the tokenizer and settings of the converted model folder). Each
 * computed input is compared with the case (pixel values within 2e-2, grids, ids, position ids and the rope
 * delta exactly); then the model runs on the computed inputs and parity.ts compares vision features,
 * logits and the greedy ids with the case.
 */
import type { ModelDtype } from '../../src/lib/models/model-layout.ts';
import { nodeModelFolder } from '../../workers/inference/node-model-folder.ts';
import { loadPromptKit } from '../../workers/inference/prompt-kit.ts';
import { prepareChat } from '../../workers/inference/prepare-chat.ts';
import { loadCaseChat } from './case-chat.ts';
import { compare } from './metrics.ts';
import { runParity, type ParityReport } from './parity.ts';
import { loadParityCase, type ParityCase } from './reference-case.ts';
import type { RuntimeName } from './runtime.ts';

/** Pixel values may differ by about one uint8 level of resize rounding (the oracle's own fast vs slow processors: 0.015). */
export const PIXEL_TOLERANCE = 2e-2;

export interface InputCheck {
  name: string;
  /** Max-abs difference for float inputs; mismatching entries for exact ones. */
  detail: string;
  ok: boolean;
}

export interface FromFramesReport {
  inputs: InputCheck[];
  parity: ParityReport;
}

function exact(name: string, actual: ArrayLike<number | bigint>, expected: ArrayLike<number | bigint>): InputCheck {
  let mismatches = actual.length === expected.length ? 0 : Math.max(actual.length, expected.length);
  for (let i = 0; i < Math.min(actual.length, expected.length); i++)
    if (BigInt(actual[i]) !== BigInt(expected[i])) mismatches++;
  return {
    name,
    detail: mismatches ? `${mismatches} of ${expected.length} differ` : `${expected.length} identical`,
    ok: mismatches === 0,
  };
}

export async function runFromFrames(
  modelDir: string,
  casePath: string,
  dtype: ModelDtype,
  runtime: RuntimeName,
): Promise<FromFramesReport> {
  const kit = await loadPromptKit(nodeModelFolder(modelDir));
  const chat = loadCaseChat(casePath, 'raw');
  const reference = loadParityCase(casePath);
  const prepared = prepareChat(kit, chat.request);

  const inputs: InputCheck[] = [];
  const vision: ParityCase['vision'] = [];
  for (const expected of reference.vision) {
    const mine = prepared.visuals.find((v) => v.kind === expected.kind);
    if (!mine) throw new Error(`${chat.name}: the prompt has no ${expected.kind}`);
    const pixels = compare(`${expected.kind} pixel values`, mine.patches.pixelValues, expected.pixelValues);
    inputs.push({
      name: pixels.name,
      detail: `max-abs-diff ${pixels.maxAbsDiff.toExponential(2)}`,
      ok: pixels.maxAbsDiff <= PIXEL_TOLERANCE,
    });
    inputs.push(exact(`${expected.kind} grid`, mine.patches.grid, expected.grid));
    if (mine.secondPerGridT !== undefined) {
      const stored = chat.tensors.get('second_per_grid_ts')?.data as Float32Array;
      inputs.push(
        exact(
          'second_per_grid_t (float32 bits)',
          new Uint32Array(Float32Array.of(mine.secondPerGridT).buffer),
          new Uint32Array(Float32Array.from(stored).buffer),
        ),
      );
    }
    vision.push({
      ...expected,
      pixelValues: mine.patches.pixelValues,
      grid: BigInt64Array.from(mine.patches.grid, BigInt),
    });
  }
  inputs.push(exact('input_ids', prepared.inputIds, reference.inputIds));
  const positions = new BigInt64Array(3 * prepared.inputIds.length);
  prepared.positionIds.forEach((row, r) =>
    positions.set(BigInt64Array.from(row, BigInt), r * prepared.inputIds.length),
  );
  inputs.push(exact('position_ids', positions, reference.positionIds));
  inputs.push(exact('rope_delta', [prepared.ropeDelta], [reference.ropeDelta]));

  const computed: ParityCase = {
    ...reference,
    vision,
    inputIds: BigInt64Array.from(prepared.inputIds, BigInt),
    positionIds: positions,
    ropeDelta: prepared.ropeDelta,
  };
  return { inputs, parity: await runParity(modelDir, computed, dtype, runtime) };
}

export function formatInputChecks(name: string, checks: InputCheck[]): string {
  const lines = [`${name} inputs computed from the raw frames:`];
  for (const c of checks) lines.push(`  ${c.name.padEnd(34)} ${c.detail}${c.ok ? '' : '  FAIL'}`);
  return lines.join('\n');
}
