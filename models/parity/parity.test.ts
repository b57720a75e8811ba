/**
 * The converted reference checkpoints (models/fixtures, made by scripts/fixtures/models.ts, with both
 * attention kernels) against every reference case, on onnxruntime-node and onnxruntime-web's WASM build:
 * fp32 within 1e-3 with all 24 greedy ids identical; q4 and q4f16 above the documented cosine floor
 * (tolerances.ts), figures printed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import makeModelFixtures, { FIXTURE_DTYPES, FIXTURE_KERNELS, modelFixtureDir } from '../../scripts/fixtures/models.ts';
import { REFERENCE_ROOT, allReferenceCases } from '../../tests/support/reference.ts';
import { formatReport, runParity } from './parity.ts';
import { loadParityCase } from './reference-case.ts';
import { RUNTIMES } from './runtime.ts';

beforeAll(() => makeModelFixtures());

describe.each(allReferenceCases())('$model/$name', ({ model, name }) => {
  const c = loadParityCase(join(REFERENCE_ROOT, model, 'cases', name));
  describe.each(FIXTURE_KERNELS.flatMap((attention) => FIXTURE_DTYPES.map((dtype) => [attention, dtype] as const)))(
    '%s attention, %s',
    (attention, dtype) => {
      it.each(RUNTIMES)('on %s', async (runtime) => {
        const report = await runParity(modelFixtureDir(model, attention), c, dtype, runtime);
        console.log(formatReport(report));
        expect(report.failures).toEqual([]);
        expect(report.tensors.map((t) => t.name)).toEqual(
          expect.arrayContaining(['logits_last', ...c.vision.map((v) => `${v.kind}_features`)]),
        );
        if (dtype === 'fp32') expect(report.ids).toEqual(c.generatedIds);
      });
    },
  );
});
