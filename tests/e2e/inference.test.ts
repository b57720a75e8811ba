/**
 * The inference worker in real Chromium on the fp32 conversion of the tiny reference checkpoints: each
 * reference case's inputs (its resized frames / image, messages and sample rate) give the case's 24 greedy
 * ids on WebGPU (SwiftShader here) and on WASM, and on WebGPU from the GroupQueryAttention conversions too
 * (exact only through webgpu-device.ts's workaround for SwiftShader's 4-lane subgroups); WebGPU's absence is reported; stop() ends a generation early
 * and the worker stays usable; a newer request wins; loading another model replaces the first; and a video
 * made with ffmpeg goes through the frames worker and the inference worker end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import makeModelFixtures, {
  EXTERNAL_FIXTURE,
  MODEL_FIXTURES_DIR,
  MODEL_FIXTURES_URL,
} from '../../scripts/fixtures/models.ts';
import { GRAPHS, onnxPath, type ModelDtype } from '../../src/lib/models/model-layout.ts';
import makeVideos, { GOOD_VIDEOS, VIDEO_FIXTURES_URL } from '../../scripts/fixtures/videos.ts';
import { loadCaseChat, type CaseChat } from '../../models/parity/case-chat.ts';
import type {
  AskResult,
  ChatRequest,
  Device,
  LoadOptions,
  LoadResult,
  ModelSource,
} from '../../src/lib/protocol/inference-protocol.ts';
import type { ExtractOptions } from '../../src/lib/protocol/frames-protocol.ts';
import { smartResize } from '../../src/lib/preprocess/smart-resize.ts';
import { planFrames } from '../../src/lib/preprocess/video-sampling.ts';
import { visionTokenCount } from '../../src/lib/preprocess/vision-tokens.ts';
import { allReferenceCases, REFERENCE_ROOT } from '../support/reference.ts';
import { openTestPage, type Page, type TestPage } from '../support/browser.ts';
import { openHarness, type HarnessClient } from '../support/harness.ts';
import type { InferenceHarness, Settled } from '../pages/inference.ts';

let harness: TestPage;
let page: Page;
let consoleLines: string[];
/** The page's harness (tests/pages/inference.ts). */
let inference: HarnessClient<InferenceHarness>;
/** Every URL the page and its workers requested. */
const requested: string[] = [];
/** Origins of the servers these tests start themselves (a model host other than the app). */
const testServers: string[] = [];

const source = (model: string): ModelSource => ({ kind: 'url', url: `${MODEL_FIXTURES_URL}/${model}` });

function ok<T>(s: Settled<T>, what: string): T {
  if (!s.ok) throw new Error(`${what}: ${s.kind}: ${s.message}\n${consoleLines.slice(-30).join('\n')}`);
  return s.result;
}

async function load(model: string, options: LoadOptions): Promise<LoadResult> {
  return ok(await inference.load(source(model), options), `load ${model}`);
}

async function chat(request: ChatRequest): Promise<AskResult> {
  return ok(await inference.chat(request), 'chat');
}

const cases: CaseChat[] = allReferenceCases().map(({ model, name }) =>
  loadCaseChat(`${REFERENCE_ROOT}/${model}/cases/${name}`, 'resized'),
);
const modelOf = (c: CaseChat) => allReferenceCases().find((r) => r.name === c.name)!.model;

beforeAll(async () => {
  await makeModelFixtures();
  await makeVideos();
  harness = await openTestPage();
  ({ page, log: consoleLines } = harness);
  page.on('request', (r) => requested.push(r.url()));
  inference = await openHarness<InferenceHarness>(page, `${harness.url}/tests/pages/inference.html`);
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
  const visionTokens = c.meta.num_vision_tokens;
  expect(result.stats.visualTokens).toBe(
    typeof visionTokens === 'number' ? visionTokens : visionTokens.image + visionTokens.video,
  );
  expect(result.stats.generatedTokens).toBe(c.expectedIds.length);
  expect(result.stats.ttftMs).toBeGreaterThan(0);
  expect(result.stats.tokensPerSecond).toBeGreaterThan(0);
}

describe.each(['webgpu', 'wasm'] as Device[])('reference cases on %s (fp32)', (device) => {
  for (const c of cases) {
    it(`${c.name}: the reference's ${c.expectedIds.length} greedy ids`, { timeout: SLOW }, () =>
      expectReferenceIds(c, modelOf(c), device),
    );
  }
});

describe('GroupQueryAttention conversions on WebGPU (fp32)', () => {
  // SwiftShader's subgroups have 4 lanes, too few for ORT's subgroup attention shader: these pass only
  // because the worker then gives ORT a device without subgroups (webgpu-device.ts). Prompts are 95-213 tokens.
  for (const c of cases) {
    it(`${c.name}: the reference's ${c.expectedIds.length} greedy ids`, { timeout: SLOW }, () =>
      expectReferenceIds(c, `${modelOf(c)}-gqa`, 'webgpu'),
    );
  }
});

describe('device choice', () => {
  it("reports why 'auto' fell back to WASM when the browser has no WebGPU", async () => {
    await inference.recreate('no-webgpu');
    try {
      const loaded = await load('qwen2_5_vl_tiny', { device: 'auto', dtype: 'fp32' });
      expect(loaded.device).toBe('wasm');
      expect(loaded.deviceReason).toMatch(/navigator\.gpu/);
      expect((await chat(cases[0].request)).tokenIds).toEqual(cases[0].expectedIds);
    } finally {
      await inference.recreate('default');
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
    await inference.recreate('no-webgpu');
    try {
      const failed = await inference.load(source('qwen2_5_vl_tiny'), { device: 'webgpu', dtype: 'fp32' });
      expect(failed).toMatchObject({ ok: false, kind: 'load-failed', status: 'error' });
      expect((await load('qwen2_5_vl_tiny', { device: 'wasm', dtype: 'fp32' })).device).toBe('wasm');
    } finally {
      await inference.recreate('default');
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
    const stopped = ok(await inference.chatThenStop(long(c)), 'chatThenStop');
    expect(stopped.stopped).toBe(true);
    expect(stopped.tokenIds.length).toBeLessThan(400);
    expect(stopped.tokenIds).toEqual(c.expectedIds.slice(0, stopped.tokenIds.length));
    expect((await chat(c.request)).tokenIds).toEqual(c.expectedIds);
  });

  it('a newer chat supersedes a running one (latest wins)', async () => {
    const [first, second] = cases;
    await load(modelOf(first), { device: 'wasm', dtype: 'fp32' });
    const { older, newer } = await inference.supersede(long(first), second.request);
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

  it('out of memory while loading or answering: a clear message, and the app stays usable', async () => {
    const c = cases[0];
    await inference.recreate('oom');
    try {
      await inference.simulateOom('load');
      const failed = await inference.load(source(modelOf(c)), { device: 'wasm', dtype: 'fp32' });
      expect(failed).toMatchObject({ ok: false, kind: 'out-of-memory', status: 'error' });
      if (failed.ok) return;
      expect(failed.message).toMatch(
        /^Out of memory while loading the model on WASM \(.*failed to allocate a buffer.*\): WASM addresses at most 4 GiB/,
      );
      // The client started a fresh worker: the next load works.
      await load(modelOf(c), { device: 'wasm', dtype: 'fp32' });
      await inference.simulateOom('run');
      const answer = await inference.chat(c.request);
      expect(answer).toMatchObject({ ok: false, kind: 'out-of-memory', status: 'ready' });
      if (answer.ok) return;
      expect(answer.message).toMatch(/^Out of memory while answering .*The model stays loaded\./);
      expect(await inference.hasModel()).toBe(true);
      expect((await chat(c.request)).tokenIds).toEqual(c.expectedIds);
    } finally {
      await inference.recreate('default');
    }
  });

  it('a chat before any load is a not-loaded error', async () => {
    await inference.recreate('default');
    expect(await inference.chat(cases[0].request)).toMatchObject({ ok: false, kind: 'not-loaded' });
  });
});

describe('prefill in chunks (WebGPU)', () => {
  it(
    'stop() during prefill ends the run within one chunk; the worker then answers the whole question',
    { timeout: SLOW },
    async () => {
      const c = cases[0];
      await load(`${modelOf(c)}-gqa`, { device: 'webgpu', dtype: 'fp32' });
      const r = await inference.chatStopInPrefill({ ...c.request, prefillChunkTokens: 16 });
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
    },
  );
});

describe('weights in external data files, read a slice at a time', () => {
  const folder = () => `${harness.url}${MODEL_FIXTURES_URL}/${EXTERNAL_FIXTURE}/`;
  const tied = () => cases.find((c) => modelOf(c) === 'qwen2_5_vl_tiny')!;
  /** Every file of the fixture a dtype loads (graphs, their data files, configs, tokenizer). */
  const pathsOf = (dtype: ModelDtype) => {
    const dir = join(MODEL_FIXTURES_DIR, EXTERNAL_FIXTURE);
    const graphs = GRAPHS.map((g) => onnxPath(g, dtype));
    const data = readdirSync(join(dir, 'onnx'))
      .filter((f) => graphs.some((g) => f.startsWith(`${g.slice(5)}_data`)))
      .map((f) => `onnx/${f}`);
    return [...readdirSync(dir).filter((f) => f.endsWith('.json')), ...graphs, ...data];
  };

  it(
    'by URL with range requests (the dev server), on WASM: the reference ids, no data file fetched whole',
    { timeout: SLOW },
    async () => {
      const from = requested.length;
      const ranged: string[] = [];
      const onRequest = (r: { url(): string; headers(): Record<string, string> }) => {
        if (r.url().includes('.onnx_data')) ranged.push(r.headers().range ?? 'none');
      };
      page.on('request', onRequest);
      try {
        const loaded = ok(
          await inference.load({ kind: 'url', url: folder() }, { device: 'wasm', dtype: 'fp32' }),
          'load',
        );
        expect(loaded.device).toBe('wasm');
        expect((await chat(tied().request)).tokenIds).toEqual(tied().expectedIds);
      } finally {
        page.off('request', onRequest);
      }
      expect(requested.slice(from).some((u) => u.includes('.onnx_data'))).toBe(true);
      expect(ranged.length).toBeGreaterThan(3);
      expect(ranged.every((r) => /^bytes=\d+-\d+$/.test(r))).toBe(true);
    },
  );

  it(
    'picked from disk, on WebGPU (copied to the GPU slice by slice): the reference ids',
    { timeout: SLOW },
    async () => {
      const loaded = ok(
        await inference.loadPicked(folder(), pathsOf('fp32'), { device: 'webgpu', dtype: 'fp32' }),
        'loadPicked',
      );
      expect(loaded).toMatchObject({ device: 'webgpu', kvInPlace: true });
      expect((await chat(tied().request)).tokenIds).toEqual(tied().expectedIds);
    },
  );

  it(
    'downloaded into the cache, then loaded from it (q4, WASM): greedy ids as from the network',
    { timeout: SLOW },
    async () => {
      await load(EXTERNAL_FIXTURE, { device: 'wasm', dtype: 'q4' });
      const fromNetwork = await chat(tied().request);
      // A fresh worker, so the model is loaded again, from the cache this time.
      await inference.recreate('default');
      ok(await inference.downloadThenLoad(folder(), { device: 'wasm', dtype: 'q4' }), 'downloadThenLoad');
      expect((await chat(tied().request)).tokenIds).toEqual(fromNetwork.tokenIds);
    },
  );

  it(
    'from a server without range requests: staged on disk, read from there, the staging emptied after',
    { timeout: SLOW },
    async () => {
      const dir = join(MODEL_FIXTURES_DIR, EXTERNAL_FIXTURE);
      const plain = createServer((req, res) => {
        // No Accept-Ranges, no 206: every request gets the whole file.
        const path = join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]));
        res.setHeader('Access-Control-Allow-Origin', '*');
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        if (!path.startsWith(dir) || !existsSync(path) || !statSync(path).isFile()) return res.writeHead(404).end();
        res.writeHead(200, { 'Content-Length': statSync(path).size, 'Content-Type': 'application/octet-stream' });
        createReadStream(path).pipe(res);
      });
      await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`;
        testServers.push(new URL(url).origin);
        ok(await inference.load({ kind: 'url', url }, { device: 'wasm', dtype: 'fp32' }), 'load');
        expect((await chat(tied().request)).tokenIds).toEqual(tied().expectedIds);
        expect(await inference.stagingEmpty()).toBe(true);
      } finally {
        await new Promise((resolve) => plain.close(resolve));
      }
    },
  );
});

describe('a real video end to end', () => {
  it(
    'an ffmpeg-made H.264 file: planned frames decoded by the frames worker, answered by the inference worker (WebGPU)',
    { timeout: SLOW },
    async () => {
      const video = GOOD_VIDEOS.find((v) => v.codec === 'avc' && v.rotation === 0)!;
      // The tiny model's own pixel budget (its preprocessor_config) keeps the test fast; ReWatch's rate and cap.
      const options: ExtractOptions = { fps: 2, maxFrames: 192, minPixels: 18816, maxPixels: 18816 };
      expect((await load('qwen2_5_vl_tiny-gqa', { device: 'webgpu', dtype: 'fp32' })).device).toBe('webgpu');
      const r = await inference.askVideo(
        `${VIDEO_FIXTURES_URL}/${video.file}`,
        options,
        'What happens in the video?',
        8,
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
    },
  );
});

describe('no CDN', () => {
  it("ORT's runtime comes from the app's /ort/ folder and nothing is fetched from another origin", async () => {
    await load('qwen2_5_vl_tiny', { device: 'wasm', dtype: 'fp32' });
    const origin = new URL(harness.url).origin;
    const ours = [origin, ...testServers, 'blob:', 'data:'];
    expect(requested.filter((u) => !ours.some((o) => u.startsWith(o)))).toEqual([]);
    expect(requested.some((u) => u.startsWith(`${origin}/ort/ort-wasm-simd-threaded.asyncify`))).toBe(true);
  });
});
