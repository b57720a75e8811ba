/**
 * The generation pipeline in Node (transformers.js on onnxruntime-node) on the fp32 tiny conversions:
 * every reference case's 24 greedy ids from its resized frames, and stop() taking effect within one token.
 */
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InterruptableStoppingCriteria } from '@huggingface/transformers';
import makeModelFixtures, { modelFixtureDir } from '../../scripts/fixtures/models.ts';
import { loadCaseChat } from '../../models/parity/case-chat.ts';
import { allReferenceCases, REFERENCE_ROOT } from '../../tests/support/reference.ts';
import { loadModelBundle, type ModelBundle } from './model-bundle.ts';
import { useModelSource } from './model-source.ts';
import { runChat } from './run-chat.ts';

const bundles = new Map<string, ModelBundle>();

async function bundle(model: string): Promise<ModelBundle> {
  let b = bundles.get(model);
  if (!b) {
    const name = useModelSource({ kind: 'url', url: pathToFileURL(`${modelFixtureDir(model)}/`).href });
    b = await loadModelBundle(name, { device: 'cpu', dtype: 'fp32' });
    bundles.set(model, b);
  }
  return b;
}

/** Counts its calls: generate() consults the criteria once per generated token. */
class CountingStopper extends InterruptableStoppingCriteria {
  calls = 0;
  override _call(inputIds: number[][], scores: number[][]) {
    this.calls++;
    return super._call(inputIds, scores);
  }
}

beforeAll(async () => {
  await makeModelFixtures();
});

describe('runChat on onnxruntime-node (fp32)', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${name}: the reference's greedy ids`, async () => {
      const c = loadCaseChat(`${REFERENCE_ROOT}/${model}/cases/${name}`, 'resized');
      const result = await runChat(await bundle(model), c.request, { stopper: new InterruptableStoppingCriteria() });
      expect(result.tokenIds).toEqual(c.expectedIds);
      expect(result.stopped).toBe(false);
    });
  }

  it('stop() during generation ends it after the token being produced', async () => {
    const { model, name } = allReferenceCases()[0];
    const c = loadCaseChat(`${REFERENCE_ROOT}/${model}/cases/${name}`, 'resized');
    const stopper = new CountingStopper();
    let tokensAtStop = -1;
    const result = await runChat(await bundle(model), { ...c.request, maxNewTokens: 400 }, {
      stopper,
      onToken: () => {
        if (tokensAtStop >= 0) return;
        // Text arrives after the token is sampled and before the criteria look at it.
        tokensAtStop = stopper.calls + 1;
        stopper.interrupt();
      },
    });
    expect(tokensAtStop).toBeGreaterThan(0);
    expect(result.stopped).toBe(true);
    expect(result.tokenIds).toHaveLength(tokensAtStop);
    expect(result.tokenIds).toEqual(c.expectedIds.slice(0, tokensAtStop));
  });
});
