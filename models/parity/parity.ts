/**
 * Parity of a converted model against one reference case on one runtime: vision features from the
 * recorded pixel values and grids, last-position logits of the recorded prompt (features scattered at the
 * pad positions, recorded position_ids), then greedy decoding with the KV cache at positions
 * S + j + rope_delta, compared id by id and, for the recorded steps, logit by logit.
 */
import type { Dtype } from '../converter/dtypes.ts';
import { ConvertedModel } from './converted-model.ts';
import { argmax, compare, type TensorDiff } from './metrics.ts';
import type { ParityCase } from './reference-case.ts';
import type { RuntimeName } from './runtime.ts';
import { toFloat32 } from './host-tensor.ts';
import { TOLERANCES } from './tolerances.ts';

export interface ParityReport {
  caseName: string;
  dtype: Dtype;
  runtime: RuntimeName;
  tensors: TensorDiff[];
  ids: number[];
  expectedIds: number[];
  /** Ids equal to the reference, counted up to the first mismatch (later ones follow a different prefix). */
  matchingPrefix: number;
  failures: string[];
}

export async function runParity(modelDir: string, c: ParityCase, dtype: Dtype, runtime: RuntimeName): Promise<ParityReport> {
  const model = await ConvertedModel.open(modelDir, dtype, runtime);
  try {
    const tensors: TensorDiff[] = [];
    const features = [];
    for (const v of c.vision) {
      const f = await model.visionFeatures(v.pixelValues, v.patchDim, v.grid);
      tensors.push(compare(`${v.kind}_features`, toFloat32(f), v.expected));
      features.push({ tokenId: v.kind === 'image' ? model.imageTokenId : model.videoTokenId, values: f });
    }
    const seq = c.inputIds.length;
    const vocab = c.logitsLast.length;
    let logits = await model.step(await model.embedPrompt(c.inputIds, features), c.positionIds);
    tensors.push(compare('logits_last', logits, c.logitsLast));
    const ids: number[] = [];
    for (let j = 0; j < c.generatedIds.length; j++) {
      ids.push(argmax(logits));
      if (j + 1 === c.generatedIds.length) break;
      const pos = BigInt(seq + j + c.ropeDelta);
      logits = await model.step(await model.embedPrompt(BigInt64Array.of(BigInt(ids[j])), []), BigInt64Array.of(pos, pos, pos));
      // Recorded decode-step logits are only comparable while the fed tokens are the reference's.
      if (j + 1 < c.steps && ids.every((id, i) => id === c.generatedIds[i])) {
        tensors.push(compare(`step_logits.${j + 1}`, logits, c.stepLogits.subarray((j + 1) * vocab, (j + 2) * vocab)));
      }
    }
    let matchingPrefix = 0;
    while (matchingPrefix < ids.length && ids[matchingPrefix] === c.generatedIds[matchingPrefix]) matchingPrefix++;
    return { caseName: c.name, dtype, runtime, tensors, ids, expectedIds: c.generatedIds, matchingPrefix, failures: judge(dtype, tensors, matchingPrefix, ids.length) };
  } finally {
    await model.release();
  }
}

function judge(dtype: Dtype, tensors: TensorDiff[], matchingPrefix: number, total: number): string[] {
  const tol = TOLERANCES[dtype];
  const failures: string[] = [];
  for (const t of tensors) {
    if (tol.maxAbsDiff !== undefined && !(t.maxAbsDiff <= tol.maxAbsDiff)) failures.push(`${t.name}: max-abs-diff ${t.maxAbsDiff.toExponential(2)} > ${tol.maxAbsDiff}`);
    if (tol.minCosine !== undefined && !(t.cosine >= tol.minCosine)) failures.push(`${t.name}: cosine ${t.cosine.toFixed(5)} < ${tol.minCosine}`);
  }
  if (tol.identicalIds && matchingPrefix !== total) failures.push(`greedy ids: first mismatch at step ${matchingPrefix} of ${total}`);
  return failures;
}

export function formatReport(r: ParityReport): string {
  const lines = [`${r.caseName} ${r.dtype} on ${r.runtime}:`];
  for (const t of r.tensors) lines.push(`  ${t.name.padEnd(16)} max-abs-diff ${t.maxAbsDiff.toExponential(2)}  cosine ${t.cosine.toFixed(6)}`);
  lines.push(`  greedy ids       ${r.matchingPrefix}/${r.ids.length} identical before the first mismatch`);
  lines.push(r.failures.length ? `  FAIL: ${r.failures.join('; ')}` : '  PASS');
  return lines.join('\n');
}
