/**
 * The converter's output as transformers.js v4 loads it, with no app code in between: the fp32 and q4
 * conversions of the tiny reference checkpoints through Qwen2_5_VLForConditionalGeneration and
 * AutoProcessor in real Chromium, on WebGPU (SwiftShader) and on WASM, for every reference case with an
 * image and no video. The processor, given the case's raw image, must reproduce the reference prompt and
 * prompt ids (grid included). Its resize is not torchvision's, so its pixels differ slightly; with the
 * reference's pixel values swapped in, fp32 must give all 24 reference greedy ids. q4 must load and generate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures from '../../scripts/fixtures/models.ts';
import { allReferenceCases, loadReferenceCase, tensor } from '../support/reference.ts';
import { openTestPage, type TestPage } from '../support/browser.ts';
import { openHarness, type HarnessClient } from '../support/harness.ts';
import type { ConvertedModelHarness, GenerateRequest, GenerateResult } from '../pages/converted-model.ts';

let harness: TestPage;
let transformers: HarnessClient<ConvertedModelHarness>;
let consoleLines: string[];

const imageCases = allReferenceCases()
  .map(({ model, name }) => loadReferenceCase(model, name))
  .filter((c) => c.tensors.has('image') && !c.tensors.has('frames'));

beforeAll(async () => {
  await makeModelFixtures();
  harness = await openTestPage();
  consoleLines = harness.log;
  transformers = await openHarness<ConvertedModelHarness>(
    harness.page,
    `${harness.url}/tests/pages/converted-model.html`,
  );
});

afterAll(async () => {
  await harness?.close();
});

async function generate(req: GenerateRequest): Promise<GenerateResult> {
  try {
    return await transformers.generate(req);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${consoleLines.slice(-20).join('\n')}`, { cause: e });
  }
}

const ids = (t: ReturnType<typeof tensor>) => Array.from(t.data as BigInt64Array, Number);

it('has at least one image-only reference case', () => {
  expect(imageCases.length).toBeGreaterThan(0);
});

describe.each(['webgpu', 'wasm'] as const)('on %s', (device) => {
  describe.each(imageCases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const image = tensor(c, 'image');
    const [height, width] = image.shape;
    const expected = ids(tensor(c, 'generated_ids'));
    const request = (
      dtype: GenerateRequest['dtype'],
      maxNewTokens: number,
      pixelValues?: number[],
    ): GenerateRequest => ({
      model: c.model,
      device,
      dtype,
      messages: c.meta.messages,
      image: { data: Array.from(image.data as Uint8Array), width, height },
      maxNewTokens,
      pixelValues,
    });

    it('fp32 through AutoProcessor: the reference prompt and prompt ids', async () => {
      const result = await generate(request('fp32', expected.length));
      expect(result.prompt).toBe(c.meta.prompt_text);
      expect(result.promptIds).toEqual(ids(tensor(c, 'input_ids')));
      expect(result.ids.length).toBe(expected.length);
      let same = 0;
      while (same < expected.length && result.ids[same] === expected[same]) same++;
      console.log(
        `${c.model}/${c.name} fp32 on ${device}, transformers.js pixels: ${same}/${expected.length} greedy ids as the reference before the first difference`,
      );
    });

    it('fp32 with the reference pixel values: all greedy ids', async () => {
      const result = await generate(
        request('fp32', expected.length, Array.from(tensor(c, 'pixel_values').data as Float32Array)),
      );
      expect(result.ids).toEqual(expected);
    });

    it('q4: loads and generates', async () => {
      const result = await generate(request('q4', 8));
      expect(result.ids.length).toBe(8);
      console.log(`${c.model}/${c.name} q4 on ${device}: ${JSON.stringify(result.ids)}`);
    });
  });
});
