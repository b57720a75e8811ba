/**
 * Parity of a converted model against one reference case on one runtime, through the app's own generation
 * loop (workers/inference: LoadedModel and DecoderContext): vision features from the recorded pixel values
 * and grids, the recorded prompt fed with its features scattered over the pads and its recorded position ids
 * (last-position logits compared), then greedy decoding, each token fed at the loop's own next position
 * (checked against the reference's rule S + j + rope_delta), compared id by id and, for the recorded steps,
 * logit by logit.
 */
import type { ModelDtype } from '../../src/lib/models/model-layout.ts';
import { argmax } from '../../src/lib/generation/token-sampling.ts';
import { DecoderContext, type SegmentVisual } from '../../workers/inference/decoder-context.ts';
import { f16ToF32 } from '../../src/lib/models/safetensors.ts';
import type { FloatData } from '../../workers/inference/graph-backend.ts';
import { LoadedModel } from '../../workers/inference/loaded-model.ts';
import { nodeModelFolder } from '../../workers/inference/node-model-folder.ts';
import { compare, type TensorDiff } from './metrics.ts';
import type { ParityCase, VisionInput } from './reference-case.ts';
import { backendFor, type RuntimeName } from './runtime.ts';
import { TOLERANCES } from './tolerances.ts';

export interface ParityReport {
  caseName: string;
  dtype: ModelDtype;
  runtime: RuntimeName;
  tensors: TensorDiff[];
  ids: number[];
  expectedIds: number[];
  /** Ids equal to the reference, counted up to the first mismatch (later ones follow a different prefix). */
  matchingPrefix: number;
  failures: string[];
}

const asFloat32 = (data: FloatData): Float32Array => (data instanceof Float32Array ? data : f16ToF32(data));

/** Features of each grid of one input, in order (the encoder never mixes grids: one call each gives the same rows). */
async function encode(model: LoadedModel, input: VisionInput): Promise<FloatData[]> {
  const parts: FloatData[] = [];
  let row = 0;
  for (let g = 0; g < input.grid.length / 3; g++) {
    const grid = [0, 1, 2].map((k) => Number(input.grid[g * 3 + k])) as [number, number, number];
    const patches = grid[0] * grid[1] * grid[2];
    const pixelValues = input.pixelValues.subarray(row * input.patchDim, (row + patches) * input.patchDim);
    parts.push((await model.encodeVisual({ pixelValues, grid }))!);
    row += patches;
  }
  return parts;
}

/** Start of each run of `pad` in `ids`, in order. */
function padRunStarts(ids: readonly number[], pad: number): number[] {
  return ids.flatMap((id, i) => (id === pad && ids[i - 1] !== pad ? [i] : []));
}

function joined(parts: FloatData[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (out.set(asFloat32(p), offset), offset + p.length), 0);
  return out;
}

export async function runParity(
  modelDir: string,
  c: ParityCase,
  dtype: ModelDtype,
  runtime: RuntimeName,
): Promise<ParityReport> {
  const model = await LoadedModel.open(nodeModelFolder(modelDir), await backendFor(runtime), dtype);
  const context = new DecoderContext(model);
  try {
    const tensors: TensorDiff[] = [];
    const ids = Array.from(c.inputIds, Number);
    const visuals: SegmentVisual[] = [];
    for (const v of c.vision) {
      const parts = await encode(model, v);
      tensors.push(compare(`${v.kind}_features`, joined(parts), v.expected));
      const pad = v.kind === 'image' ? model.settings.vision.imageTokenId : model.settings.vision.videoTokenId;
      const starts = padRunStarts(ids, pad);
      if (starts.length !== parts.length)
        throw new Error(`${c.name}: ${starts.length} ${v.kind} pad runs for ${parts.length} grids`);
      parts.forEach((rows, g) => visuals.push({ start: starts[g], rows, key: `${c.name}:${v.kind}:${g}` }));
    }
    const seq = ids.length;
    const row = (r: number) => Array.from(c.positionIds.subarray(r * seq, (r + 1) * seq), Number);
    let logits = await context.feed({ ids, positions: [row(0), row(1), row(2)], visuals }, { chunkTokens: seq });
    tensors.push(compare('logits_last', logits!, c.logitsLast));
    const vocab = c.logitsLast.length;
    const generated: number[] = [];
    const failures: string[] = [];
    for (let j = 0; j < c.generatedIds.length; j++) {
      generated.push(argmax(logits!));
      if (j + 1 === c.generatedIds.length) break;
      const p = context.nextPosition;
      if (p !== seq + j + c.ropeDelta)
        failures.push(`decode step ${j}: position ${p}, the reference's rule gives ${seq + j + c.ropeDelta}`);
      logits = await context.feed({ ids: [generated[j]], positions: [[p], [p], [p]], visuals: [] }, { chunkTokens: 1 });
      // Recorded decode-step logits are only comparable while the fed tokens are the reference's.
      if (j + 1 < c.steps && generated.every((id, i) => id === c.generatedIds[i])) {
        tensors.push(compare(`step_logits.${j + 1}`, logits!, c.stepLogits.subarray((j + 1) * vocab, (j + 2) * vocab)));
      }
    }
    let matchingPrefix = 0;
    while (matchingPrefix < generated.length && generated[matchingPrefix] === c.generatedIds[matchingPrefix])
      matchingPrefix++;
    failures.push(...judge(dtype, tensors, matchingPrefix, generated.length));
    return {
      caseName: c.name,
      dtype,
      runtime,
      tensors,
      ids: generated,
      expectedIds: c.generatedIds,
      matchingPrefix,
      failures,
    };
  } finally {
    context.release();
    await model.release();
  }
}

function judge(dtype: ModelDtype, tensors: TensorDiff[], matchingPrefix: number, total: number): string[] {
  const tol = TOLERANCES[dtype];
  const failures: string[] = [];
  for (const t of tensors) {
    if (tol.maxAbsDiff !== undefined && !(t.maxAbsDiff <= tol.maxAbsDiff))
      failures.push(`${t.name}: max-abs-diff ${t.maxAbsDiff.toExponential(2)} > ${tol.maxAbsDiff}`);
    if (tol.minCosine !== undefined && !(t.cosine >= tol.minCosine))
      failures.push(`${t.name}: cosine ${t.cosine.toFixed(5)} < ${tol.minCosine}`);
  }
  if (tol.identicalIds && matchingPrefix !== total)
    failures.push(`greedy ids: first mismatch at step ${matchingPrefix} of ${total}`);
  return failures;
}

export function formatReport(r: ParityReport): string {
  const lines = [`${r.caseName} ${r.dtype} on ${r.runtime}:`];
  for (const t of r.tensors)
    lines.push(`  ${t.name.padEnd(16)} max-abs-diff ${t.maxAbsDiff.toExponential(2)}  cosine ${t.cosine.toFixed(6)}`);
  lines.push(`  greedy ids       ${r.matchingPrefix}/${r.ids.length} identical before the first mismatch`);
  lines.push(r.failures.length ? `  FAIL: ${r.failures.join('; ')}` : '  PASS');
  return lines.join('\n');
}
