/**
 * The inference worker in real Chromium on the fp32 conversion of the tiny reference checkpoints: each
 * reference case's inputs (its resized frames / image, messages and sample rate) give the case's 24 greedy
 * ids on WebGPU (SwiftShader here) and on WASM, and on WebGPU from the GroupQueryAttention conversions too
 * (exact only through webgpu-device.ts's workaround for SwiftShader's 4-lane subgroups); WebGPU's absence is reported; stop() ends a generation early
 * and the worker stays usable; a newer request wins; loading another model replaces the first; and a video
 * made with ffmpeg goes through the frames worker and the inference worker end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures, { MODEL_FIXTURES_URL } from '../../scripts/fixtures/models.ts';
import makeVideos, { GOOD_VIDEOS, VIDEO_FIXTURES_URL } from '../../scripts/fixtures/videos.ts';
import { loadCaseChat, type CaseChat } from '../../models/parity/case-chat.ts';
import type { AskResult, ChatRequest, Device, LoadOptions, LoadResult, ModelSource } from '../../src/lib/inference-protocol.ts';
import type { ExtractOptions } from '../../src/lib/frames-protocol.ts';
import { smartResize } from '../../src/lib/smart-resize.ts';
import { planFrames } from '../../src/lib/video-sampling.ts';
import { visionTokenCount } from '../../src/lib/vision-tokens.ts';
import { allReferenceCases, REFERENCE_ROOT } from '../support/reference.ts';
import { openTestPage, type Page, type TestPage } from '../support/browser.ts';

type Settled<T> = { ok: true; result: T; status: string } | { ok: false; kind: string; message: string; status: string };

let harness: TestPage;
let page: Page;
let consoleLines: string[];
/** Every URL the page and its workers requested. */
const requested: string[] = [];

const call = <T>(fn: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([name, rest]) => (window as any).harness[name as string](...(rest as unknown[])), [fn, args] as const) as Promise<T>;

const source = (model: string): ModelSource => ({ kind: 'url', url: `${MODEL_FIXTURES_URL}/${model}` });

function ok<T>(s: Settled<T>, what: string): T {
  if (!s.ok) throw new Error(`${what}: ${s.kind}: ${s.message}\n${consoleLines.slice(-30).join('\n')}`);
  return s.result;
}

async function load(model: string, options: LoadOptions): Promise<LoadResult> {
  return ok(await call<Settled<LoadResult>>('load', source(model), options), `load ${model}`);
}

async function chat(request: ChatRequest): Promise<AskResult> {
  return ok(await call<Settled<AskResult>>('chat', request), 'chat');
}

const cases: CaseChat[] = allReferenceCases().map(({ model, name }) => loadCaseChat(`${REFERENCE_ROOT}/${model}/cases/${name}`, 'resized'));
const modelOf = (c: CaseChat) => allReferenceCases().find((r) => r.name === c.name)!.model;

beforeAll(async () => {
  await makeModelFixtures();
  await makeVideos();
  harness = await openTestPage();
  ({ page, log: consoleLines } = harness);
  page.on('request', (r) => requested.push(r.url()));
  await page.goto(`${harness.url}/tests/pages/inference.html`);
  await page.waitForFunction(() => (window as any).harnessReady === true, null, { timeout: 120_000 });
});

afterAll(async () => {
  await harness?.close();
});

/** SwiftShader runs WebGPU on the CPU, seconds per token for the tiny model: generous per-test time. */
const SLOW = 900_000;

/** Loads `model` on `device` and checks that the case's chat gives the reference's greedy ids and stats. */
async function expectReferenceIds(c: CaseChat, model: string, device: Device): Promise<void> {
  const loaded = await load(model, { device, dtype: 'fp32' });
  expect(loaded.device).toBe(device);
  const result = await chat(c.request);
  expect(result.tokenIds).toEqual(c.expectedIds);
  expect(result.stopped).toBe(false);
  expect(result.stats.promptTokens).toBe(c.meta.seq_len);
  expect(result.stats.visualTokens).toBe(c.request.visuals.length > 1 ? c.meta.num_vision_tokens.image + c.meta.num_vision_tokens.video : c.meta.num_vision_tokens);
  expect(result.stats.generatedTokens).toBe(c.expectedIds.length);
  expect(result.stats.ttftMs).toBeGreaterThan(0);
  expect(result.stats.tokensPerSecond).toBeGreaterThan(0);
}

describe.each(['webgpu', 'wasm'] as Device[])('reference cases on %s (fp32)', (device) => {
  for (const c of cases) {
    it(`${c.name}: the reference's ${c.expectedIds.length} greedy ids`, { timeout: SLOW }, () => expectReferenceIds(c, modelOf(c), device));
  }
});

describe('GroupQueryAttention conversions on WebGPU (fp32)', () => {
  // SwiftShader's subgroups have 4 lanes, too few for ORT's subgroup attention shader: these pass only
  // because the worker then gives ORT a device without subgroups (webgpu-device.ts). Prompts are 95-213 tokens.
  for (const c of cases) {
    it(`${c.name}: the reference's ${c.expectedIds.length} greedy ids`, { timeout: SLOW }, () => expectReferenceIds(c, `${modelOf(c)}-gqa`, 'webgpu'));
  }
});

describe('device choice', () => {
  it("reports why 'auto' fell back to WASM when the browser has no WebGPU", async () => {
    await call('recreate', 'no-webgpu');
    try {
      const loaded = await load('qwen2_5_vl_tiny', { device: 'auto', dtype: 'fp32' });
      expect(loaded.device).toBe('wasm');
      expect(loaded.deviceReason).toMatch(/navigator\.gpu/);
      expect((await chat(cases[0].request)).tokenIds).toEqual(cases[0].expectedIds);
    } finally {
      await call('recreate', 'default');
    }
  });

  it("'auto' does not prefer SwiftShader (a software adapter) to WASM, and says why; a model too big for WASM keeps WebGPU", async () => {
    const loaded = await load('qwen2_5_vl_tiny', { device: 'auto', dtype: 'fp32' });
    expect(loaded.device).toBe('wasm');
    expect(loaded.deviceReason).toMatch(/swiftshader.*software renderer on the CPU, slower than WASM/i);
    const big = await load('qwen2_5_vl_tiny', { device: 'auto', dtype: 'fp32', wasmFits: false });
    expect(big.device).toBe('webgpu');
    expect(big.deviceReason).toMatch(/does not fit WASM's 4 GiB/);
    const forced = await load('qwen2_5_vl_tiny', { device: 'webgpu', dtype: 'fp32' });
    expect(forced.device).toBe('webgpu');
    expect(forced.deviceReason).toMatch(/as chosen.*software renderer/);
  });

  it("forcing 'webgpu' without WebGPU is a load-failed error, and the next load works", async () => {
    await call('recreate', 'no-webgpu');
    try {
      const failed = await call<Settled<LoadResult>>('load', source('qwen2_5_vl_tiny'), { device: 'webgpu', dtype: 'fp32' });
      expect(failed).toMatchObject({ ok: false, kind: 'load-failed', status: 'error' });
      expect((await load('qwen2_5_vl_tiny', { device: 'wasm', dtype: 'fp32' })).device).toBe('wasm');
    } finally {
      await call('recreate', 'default');
    }
  });
});

// Generation control runs on WASM: fast here, and the backend whose run() never yields by itself, which is
// where stop() depends on the worker yielding between tokens.
describe('generation control (WASM)', () => {
  const long = (c: CaseChat): ChatRequest => ({ ...c.request, maxNewTokens: 400 });

  it('stop() ends a running generation early, and the worker then answers again', async () => {
    const c = cases[0];
    await load(modelOf(c), { device: 'wasm', dtype: 'fp32' });
    const stopped = ok(await call<Settled<AskResult>>('chatThenStop', long(c)), 'chatThenStop');
    expect(stopped.stopped).toBe(true);
    expect(stopped.tokenIds.length).toBeLessThan(400);
    expect(stopped.tokenIds).toEqual(c.expectedIds.slice(0, stopped.tokenIds.length));
    expect((await chat(c.request)).tokenIds).toEqual(c.expectedIds);
  });

  it('a newer chat supersedes a running one (latest wins)', async () => {
    const [first, second] = cases;
    await load(modelOf(first), { device: 'wasm', dtype: 'fp32' });
    const { older, newer } = await call<{ older: AskResult | null; newer: Settled<AskResult> }>('supersede', long(first), second.request);
    expect(older).toBeNull();
    expect(ok(newer, 'newer chat').tokenIds).toEqual(second.expectedIds);
  });

  it('loading another model replaces the loaded one; loading the first again brings it back', async () => {
    const tied = cases.find((c) => modelOf(c) === 'qwen2_5_vl_tiny')!;
    const untied = cases.find((c) => modelOf(c) === 'qwen2_5_vl_tiny_untied')!;
    await load(modelOf(tied), { device: 'wasm', dtype: 'fp32' });
    await load(modelOf(untied), { device: 'wasm', dtype: 'fp32' });
    expect((await chat(untied.request)).tokenIds).toEqual(untied.expectedIds);
    await load(modelOf(tied), { device: 'wasm', dtype: 'fp32' });
    expect((await chat(tied.request)).tokenIds).toEqual(tied.expectedIds);
  });

  it('a chat before any load is a not-loaded error', async () => {
    await call('recreate', 'default');
    expect(await call<Settled<AskResult>>('chat', cases[0].request)).toMatchObject({ ok: false, kind: 'not-loaded' });
  });
});

describe('prefill in chunks (WebGPU)', () => {
  it('stop() during prefill ends the run within one chunk; the worker then answers the whole question', { timeout: SLOW }, async () => {
    const c = cases[0];
    await load(`${modelOf(c)}-gqa`, { device: 'webgpu', dtype: 'fp32' });
    const r = await call<Settled<AskResult> & { chunksSeen: number }>('chatStopInPrefill', { ...c.request, prefillChunkTokens: 16 });
    const stopped = ok(r, 'chatStopInPrefill');
    expect(r.chunksSeen).toBeGreaterThan(0);
    expect(stopped.stopped).toBe(true);
    expect(stopped.tokenIds).toEqual([]);
    expect(stopped.stats.prefillChunks).toBeGreaterThanOrEqual(r.chunksSeen);
    expect(stopped.stats.prefillChunks).toBeLessThanOrEqual(r.chunksSeen + 1);
    expect(stopped.stats.prefillChunks).toBeLessThan(Math.ceil(c.meta.seq_len / 16));
    // The cache holds what was prefilled; the next question reuses it and gives the reference's ids.
    const again = await chat({ ...c.request, prefillChunkTokens: 64 });
    expect(again.tokenIds).toEqual(c.expectedIds);
    expect(again.stats.reusedTokens).toBe(stopped.stats.prefillChunks * 16);
  });
});

describe('a real video end to end', () => {
  it('an ffmpeg-made H.264 file: planned frames decoded by the frames worker, answered by the inference worker (WebGPU)', { timeout: SLOW }, async () => {
    const video = GOOD_VIDEOS.find((v) => v.codec === 'avc' && v.rotation === 0)!;
    // The tiny model's own pixel budget (its preprocessor_config) keeps the test fast; ReWatch's rate and cap.
    const options: ExtractOptions = { fps: 2, maxFrames: 192, minPixels: 18816, maxPixels: 18816 };
    expect((await load('qwen2_5_vl_tiny-gqa', { device: 'webgpu', dtype: 'fp32' })).device).toBe('webgpu');
    const r = await call<Settled<AskResult> & { timestamps: number[]; plannedTimes: number[]; width: number; height: number; sampleFps: number }>(
      'askVideo', `${VIDEO_FIXTURES_URL}/${video.file}`, options, 'What happens in the video?', 8,
    );
    const answer = ok(r, video.file);
    const plan = planFrames({ duration: video.frames / video.fps, videoFps: video.fps, totalFrames: video.frames });
    expect(r.plannedTimes).toEqual(plan.times);
    r.timestamps.forEach((t, i) => expect(t).toBeCloseTo(plan.indices[i] / video.fps, 3));
    expect(r.sampleFps).toBeCloseTo(plan.sampleFps, 9);
    const size = smartResize(video.codedHeight, video.codedWidth, { minPixels: 18816, maxPixels: 18816 });
    expect([r.width, r.height]).toEqual([size.width, size.height]);
    expect(answer.stats.frames).toBe(plan.count);
    expect(answer.stats.visualTokens).toBe(visionTokenCount([plan.count / 2, size.height / 14, size.width / 14]));
    expect(answer.tokenIds).toHaveLength(8);
  });
});

describe('no CDN', () => {
  it("ORT's runtime comes from the app's /ort/ folder and nothing is fetched from another origin", async () => {
    await load('qwen2_5_vl_tiny', { device: 'wasm', dtype: 'fp32' });
    const origin = new URL(harness.url).origin;
    expect(requested.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
    expect(requested.some((u) => u.startsWith(`${origin}/ort/ort-wasm-simd-threaded.asyncify`))).toBe(true);
  });
});
