/**
 * The generation loop's KV cache on WebGPU in real Chromium (SwiftShader), counted: on the GroupQueryAttention
 * conversion the cache is allocated once and updated in place, so a decode step creates no storage buffer at
 * all (only the staging buffers of its input upload and logits read-back) and the runtime hands back no KV
 * tensor of its own; the standard-ops conversion, whose cache grows per step, is the control. A prompt
 * prefilled in chunks gives the logits of one prefill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures, { MODEL_FIXTURES_URL } from '../../scripts/fixtures/models.ts';
import { loadCaseChat } from '../../models/parity/case-chat.ts';
import type { ChatRequest } from '../../src/lib/protocol/inference-protocol.ts';
import type { DecoderLoopHarness } from '../pages/decoder-loop.ts';
import { allReferenceCases, REFERENCE_ROOT } from '../support/reference.ts';
import { openTestPage, type TestPage } from '../support/browser.ts';
import { openHarness, type HarnessClient } from '../support/harness.ts';

let harness: TestPage;
let loop: HarnessClient<DecoderLoopHarness>;

const cases = allReferenceCases().map(({ model, name }) => ({
  model,
  chat: loadCaseChat(`${REFERENCE_ROOT}/${model}/cases/${name}`, 'resized'),
}));

beforeAll(async () => {
  await makeModelFixtures();
  harness = await openTestPage();
  loop = await openHarness<DecoderLoopHarness>(harness.page, `${harness.url}/tests/pages/decoder-loop.html`);
});

afterAll(async () => {
  await harness?.close();
});

const SLOW = 900_000;

describe('KV cache on WebGPU', () => {
  it('GroupQueryAttention: allocated once, no storage buffer created per decode step', { timeout: SLOW }, async () => {
    const { model, chat } = cases[0];
    const probe = await loop.kvProbe(
      `${MODEL_FIXTURES_URL}/${model}-gqa`,
      'fp32',
      chat.request satisfies ChatRequest,
      6,
    );
    console.log('GQA, per decode step:', JSON.stringify(probe.steps));
    expect(probe.inPlace).toBe(true);
    expect(probe.capacity).toBeGreaterThanOrEqual(chat.meta.seq_len + 8);
    expect(probe.ids).toEqual(chat.expectedIds.slice(0, 8));
    for (const step of probe.steps) {
      expect(step.storageBuffers).toBe(0);
      expect(step.runtimeKvTensors).toBe(0);
    }
  });

  it(
    'standard ops (the control): every decode step hands back new KV tensors, 2 per layer',
    { timeout: SLOW },
    async () => {
      const { model, chat } = cases[0];
      const probe = await loop.kvProbe(`${MODEL_FIXTURES_URL}/${model}`, 'fp32', chat.request, 6);
      console.log('standard ops, per decode step:', JSON.stringify(probe.steps));
      expect(probe.inPlace).toBe(false);
      expect(probe.ids).toEqual(chat.expectedIds.slice(0, 8));
      // ORT's buffer pool recycles their storage, so createBuffer alone would not see them.
      for (const step of probe.steps) expect(step.runtimeKvTensors).toBe(2 * 2);
    },
  );
});

describe('chunked prefill on WebGPU', () => {
  it('equals one prefill (1e-4) on every reference case, KV cache in place', { timeout: SLOW }, async () => {
    for (const { model, chat } of cases) {
      const r = await loop.chunkedVsOneShot(`${MODEL_FIXTURES_URL}/${model}-gqa`, 'fp32', chat.request, [16, 50]);
      expect(r.inPlace).toBe(true);
      expect(r.tokens).toBe(chat.meta.seq_len);
      for (const d of r.diffs) expect(d, chat.name).toBeLessThan(1e-4);
    }
  });
});
