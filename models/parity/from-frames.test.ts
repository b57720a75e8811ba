/**
 * Parity from raw frames on every reference case (fp32, onnxruntime-node): the app's preprocessing gives
 * the case's pixel values, grids, ids and positions, and the converted model then its features, logits and
 * greedy ids.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures, { modelFixtureDir } from '../../scripts/fixtures/models.ts';
import { allReferenceCases, REFERENCE_ROOT } from '../../tests/support/reference.ts';
import { runFromFrames } from './from-frames.ts';

beforeAll(async () => {
  await makeModelFixtures();
});

describe('parity --from-frames', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${model}/${name}: inputs from the raw frames, then the reference's outputs`, async () => {
      const { inputs, parity } = await runFromFrames(
        modelFixtureDir(model),
        `${REFERENCE_ROOT}/${model}/cases/${name}`,
        'fp32',
        'node',
      );
      expect(inputs.filter((i) => !i.ok)).toEqual([]);
      expect(parity.failures).toEqual([]);
      expect(parity.ids).toEqual(parity.expectedIds);
    });
  }
});
