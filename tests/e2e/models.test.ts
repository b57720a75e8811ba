/**
 * Model management in real Chromium (tests/pages/models.html mounts the model panel with the app's real
 * InferenceClient on the dev server): the capability panel on SwiftShader, the tiny model downloaded into the
 * Cache API with progress, bad downloads (404, dropped connections, quota), deleting one cached model, and
 * converted folders given through the folder input (good, corrupted, without config.json) with no request for
 * any model file, a WebGPU device lost mid-run (reload, or fall back to WASM), a folder URL given by the user.
 * One browser profile for the whole file, with the tiny model cached first: every bad input
 * must leave it intact.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures, { MODEL_FIXTURES_URL, modelFixtureDir } from '../../scripts/fixtures/models.ts';
import { onnx } from '../../models/converter/graph.ts';
import { planFiles } from '../../src/lib/models/download-plan.ts';
import type { ModelDtype } from '../../src/lib/protocol/inference-protocol.ts';
import { collectConsole, launchChromium, startDevServer, type LaunchedBrowser, type Page } from '../support/browser.ts';
import { harnessClient, waitForHarness, type HarnessWindow, type ProbeWindow } from '../support/harness.ts';
import { TINY_ID, selectEntry, settledStatus } from '../support/model-panel.ts';
import type { ModelsHarness } from '../pages/models.ts';

/** The harness page's window inside page.evaluate: its state objects (tests/pages/models.ts). */
type ModelsWindow = ProbeWindow<HarnessWindow<ModelsHarness>>;

/** What the download-progress test records in the page: every value the progress element shows. */
interface ProgressProbe {
  progressSeen: { loaded: number; total: number }[];
}

/** What the lost-device test puts on the inference worker's global scope. */
interface DeviceLossProbe {
  loseDevice(): void;
}

const TINY = 'qwen2_5_vl_tiny';
/** SwiftShader has no shader-f16, so the capability check picks q4 for the tiny model. */
const DTYPE: ModelDtype = 'q4';

let browser: LaunchedBrowser;
let server: Awaited<ReturnType<typeof startDevServer>>;
let scratch: string;
let consoleLines: string[] = [];

const tinyDir = () => modelFixtureDir(TINY);
const folderUrl = () => `${server.url}${MODEL_FIXTURES_URL}/${TINY}/`;
/** The files the tiny model's q4 download stores (the optional ones the fixture has). */
function tinyFiles(dtype: ModelDtype = DTYPE): { path: string; bytes: number }[] {
  const config = JSON.parse(readFileSync(join(tinyDir(), 'config.json'), 'utf8'));
  return planFiles(config, dtype).flatMap((f) => {
    try {
      return [{ path: f.path, bytes: statSync(join(tinyDir(), f.path)).size }];
    } catch {
      return [];
    }
  });
}

async function openHarness(init?: () => void): Promise<Page> {
  const page = await browser.context.newPage();
  consoleLines = collectConsole(page);
  if (init) await page.addInitScript(init);
  await page.goto(`${server.url}/tests/pages/models.html`);
  await waitForHarness(page);
  await page.locator('[data-testid=capability-choice]').waitFor({ timeout: 60_000 });
  return page;
}

const cacheKeys = (page: Page) => harnessClient<ModelsHarness>(page).cacheKeys();

const selectTiny = (page: Page) => selectEntry(page, TINY_ID);

/** The tiny q4 model's record and files are all still in the cache. */
async function expectTinyIntact(page: Page): Promise<void> {
  const keys = await cacheKeys(page);
  for (const f of tinyFiles()) expect(keys).toContain(folderUrl() + f.path);
  expect(keys).toContain(`${folderUrl()}.rewatch-model-${DTYPE}.json`);
}

/** A copy of the tiny model folder outside anything a server serves, changed by `edit`. */
function tinyFolderCopy(name: string, edit: (dir: string) => void = () => {}): string {
  const dir = join(scratch, name);
  cpSync(tinyDir(), dir, { recursive: true });
  rmSync(join(dir, '.converted-stamp'), { force: true });
  edit(dir);
  return dir;
}

beforeAll(async () => {
  await makeModelFixtures();
  scratch = mkdtempSync(join(tmpdir(), 'rewatch-models-'));
  server = await startDevServer();
  browser = await launchChromium();
  // Every test starts with the tiny q4 model cached, and every bad input must leave it intact.
  const page = await openHarness();
  await page.evaluate(
    async ([url, dtype]) => {
      await (window as ModelsWindow).harness.models.downloads.download({
        name: 'Tiny test model (random weights)',
        folderUrl: url,
        dtype,
        estimatedBytes: 0,
      });
    },
    [folderUrl(), DTYPE] as const,
  );
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.server.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('model management', () => {
  it('reports the SwiftShader adapter, its limits and the dtype it leads to', async () => {
    const page = await openHarness();
    const adapter = page.locator('[data-testid=capability-adapter]');
    expect(await adapter.getAttribute('data-architecture')).toBe('swiftshader');
    expect(await adapter.getAttribute('data-vendor')).toBe('google');
    expect(await page.locator('[data-testid=capability-limits]').innerText()).toMatch(
      /maxBufferSize \d.*maxStorageBufferBindingSize \d/,
    );
    expect(await page.locator('[data-testid=capability-f16]').innerText()).toBe('no');
    // The 7B is judged by the tensors the converter writes: its embedding table is split into blocks under
    // SwiftShader's 1 GiB buffer limit, so it runs (slowly); it does not fit WASM's 4 GiB, so 'auto' keeps WebGPU.
    await selectEntry(page, 'rewatch-r1-7b');
    const choice = page.locator('[data-testid=capability-choice]');
    expect(await choice.getAttribute('data-verdict')).toBe('slow');
    expect(await choice.getAttribute('data-device')).toBe('webgpu');
    expect(await page.locator('[data-testid=capability-device-reason]').innerText()).toMatch(
      /does not fit WASM's 4 GiB/,
    );
    // Forced onto WASM it is refused before anything is tried.
    await page.locator('[data-testid=device-choice]').selectOption('wasm');
    expect(await choice.getAttribute('data-verdict')).toBe('unsupported');
    expect(await page.locator('[data-testid=capability]').innerText()).toMatch(
      /more than the 4 GiB one WASM instance can address/,
    );
    await page.locator('[data-testid=device-choice]').selectOption('auto');
    // The dev server has no converted 7B: the page says how to make one.
    expect(await page.locator('[data-testid=model-how-to-get]').innerText()).toMatch(
      /npm run convert -- --in <ReWatch-R1 checkpoint folder> --out models\/rewatch-r1-7b --dtype q4f16 --dtype q4/,
    );
    // The tiny model fits WASM: 'auto' prefers it to a software adapter, and says why.
    await selectTiny(page);
    expect(await choice.getAttribute('data-verdict')).toBe('slow');
    expect(await choice.getAttribute('data-device')).toBe('wasm');
    expect(await choice.getAttribute('data-dtype')).toBe(DTYPE);
    expect(await page.locator('[data-testid=capability-device-reason]').innerText()).toMatch(
      /swiftshader.*software renderer on the CPU, slower than WASM/i,
    );
    await page.locator('[data-testid=device-choice]').selectOption('webgpu');
    expect(await choice.getAttribute('data-device')).toBe('webgpu');
    expect(await page.locator('[data-testid=capability]').innerText()).toMatch(/software renderer/);
    await page.close();
  });

  it('downloads the tiny model from the local server with progress events into the cache', async () => {
    // Every value the progress element shows, recorded in the page as it changes.
    const page = await openHarness(() => {
      const seen: ProgressProbe['progressSeen'] = ((window as ProbeWindow<ProgressProbe>).progressSeen = []);
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid=download-progress]') as HTMLElement | null;
        if (el) seen.push({ loaded: Number(el.dataset.loaded), total: Number(el.dataset.total) });
      }).observe(document, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-loaded', 'data-total'],
      });
    });
    // From nothing: the cached copy goes first (through the panel's own delete).
    const key = `${folderUrl()}#${DTYPE}`;
    await page.locator(`[data-testid=cached-model][data-key="${key}"] [data-testid=cached-delete]`).click();
    await page.locator(`[data-testid=cached-model][data-key="${key}"]`).waitFor({ state: 'detached' });
    expect((await cacheKeys(page)).filter((k) => k.startsWith(folderUrl()))).toEqual([]);
    await selectTiny(page);
    await page.locator('[data-testid=model-load]').click();
    await page.locator(`[data-testid=cached-model][data-key="${key}"]`).waitFor({ timeout: 240_000 });
    const files = tinyFiles();
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    const seen = await page.evaluate(() => (window as ProbeWindow<ProgressProbe>).progressSeen);
    expect(new Set(seen.map((s) => s.loaded)).size).toBeGreaterThan(files.length);
    for (let i = 1; i < seen.length; i++) expect(seen[i].loaded).toBeGreaterThanOrEqual(seen[i - 1].loaded);
    expect(seen.at(-1)).toEqual({ loaded: total, total });
    await expectTinyIntact(page);
    // Optional files the folder lacks are not stored (the dev server answers them with its HTML page).
    expect(await cacheKeys(page)).not.toContain(`${folderUrl()}chat_template.jinja`);
    expect(
      await page.locator('[data-testid=download-file][data-path="chat_template.jinja"]').getAttribute('data-state'),
    ).toBe('absent');
    await page.close();
  });

  it('retries a 404, then says which file failed; the cached model stays and a retry completes', async () => {
    const page = await openHarness();
    await page.evaluate(async (url) => {
      // Start from a partly cached model: the graphs are dropped, the small files kept.
      const cache = await caches.open('rewatch-models');
      for (const r of await cache.keys()) if (r.url.startsWith(url) && r.url.includes('/onnx/')) await cache.delete(r);
      await cache.delete(`${url}.rewatch-model-q4.json`);
      await (window as ModelsWindow).harness.models.downloads.refresh();
    }, folderUrl());
    let hits = 0;
    await page.route('**/onnx/embed_tokens_q4.onnx', (route) => {
      if (route.request().method() === 'GET') hits++;
      return route.fulfill({ status: 404, body: 'gone' });
    });
    await selectTiny(page);
    await page.locator('[data-testid=model-load]').click();
    expect(await settledStatus(page, ['error'])).toMatch(
      /Could not download onnx\/embed_tokens_q4\.onnx: HTTP 404.*\(4 attempts\)/,
    );
    expect(hits).toBe(4);
    expect(
      await page
        .locator('[data-testid=download-file][data-path="onnx/embed_tokens_q4.onnx"]')
        .getAttribute('data-state'),
    ).toBe('failed');
    await page.unroute('**/onnx/embed_tokens_q4.onnx');
    await page.locator('[data-testid=model-load]').click();
    await page.locator(`[data-testid=cached-model][data-key="${folderUrl()}#${DTYPE}"]`).waitFor({ timeout: 240_000 });
    expect(
      await page.locator('[data-testid=download-file][data-path="tokenizer.json"]').getAttribute('data-state'),
    ).toBe('cached');
    await expectTinyIntact(page);
    await page.close();
  });

  it('retries connections dropped before and in the middle of a file, and completes the download', async () => {
    const page = await openHarness();
    await page.evaluate(async (url) => {
      await (await caches.open('rewatch-models')).delete(`${url}onnx/decoder_model_merged_q4.onnx`);
      await (await caches.open('rewatch-models')).delete(`${url}.rewatch-model-q4.json`);
      await (window as ModelsWindow).harness.models.downloads.refresh();
    }, folderUrl());
    // A server that announces the whole file, sends half of it, and drops the connection.
    const bytes = readFileSync(join(tinyDir(), 'onnx/decoder_model_merged_q4.onnx'));
    let halves = 0;
    const dropping = createServer((_req, res) => {
      halves++;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const droppingUrl = `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/`;
    const outcomes: string[] = [];
    await page.route('**/onnx/decoder_model_merged_q4.onnx', (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      outcomes.push(['reset', 'half', 'whole'][outcomes.length] ?? 'whole');
      if (outcomes.at(-1) === 'reset') return route.abort('connectionreset');
      return outcomes.at(-1) === 'half' ? route.continue({ url: droppingUrl }) : route.continue();
    });
    try {
      await selectTiny(page);
      await page.locator('[data-testid=model-load]').click();
      await page
        .locator(`[data-testid=cached-model][data-key="${folderUrl()}#${DTYPE}"]`)
        .waitFor({ timeout: 240_000 });
    } finally {
      await new Promise((resolve) => dropping.close(resolve));
    }
    expect(outcomes).toEqual(['reset', 'half', 'whole']);
    expect(halves).toBe(1);
    expect(
      await page
        .locator('[data-testid=download-file][data-path="onnx/decoder_model_merged_q4.onnx"]')
        .getAttribute('data-state'),
    ).toBe('done');
    await expectTinyIntact(page);
    // The stored file is the whole file, not the half a dropped connection delivered.
    const stored = await page.evaluate(
      async (url) => (await (await caches.open('rewatch-models')).match(url))!.arrayBuffer().then((b) => b.byteLength),
      `${folderUrl()}onnx/decoder_model_merged_q4.onnx`,
    );
    expect(stored).toBe(bytes.length);
    await page.close();
  });

  it('refuses a download the storage quota cannot hold, before fetching any graph', async () => {
    const page = await openHarness(() => {
      navigator.storage.estimate = async () => ({ quota: 20e6, usage: 15e6 });
    });
    // The fp32 graphs (~78 MB) are not cached yet; 5 MB are free.
    const graphRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('.onnx') && r.method() === 'GET') graphRequests.push(r.url());
    });
    const message = await page.evaluate(async (url) => {
      const { models } = (window as ModelsWindow).harness;
      try {
        await models.downloads.download({ name: 'tiny fp32', folderUrl: url, dtype: 'fp32', estimatedBytes: 0 });
        return 'downloaded';
      } catch (error) {
        return (error as Error).message;
      }
    }, folderUrl());
    expect(message).toMatch(/Not enough browser storage: this download needs 7\d\.\d MB but only 5\.0 MB is free/);
    expect(graphRequests).toEqual([]);
    await expectTinyIntact(page);
    await page.close();
  });

  it('deletes one cached model: its files and record go, storage drops, the other model stays', async () => {
    const page = await openHarness();
    await page.evaluate(async (url) => {
      await (window as ModelsWindow).harness.models.downloads.download({
        name: 'tiny fp32',
        folderUrl: url,
        dtype: 'fp32',
        estimatedBytes: 0,
      });
    }, folderUrl());
    const fp32Key = `${folderUrl()}#fp32`;
    await page.locator(`[data-testid=cached-model][data-key="${fp32Key}"]`).waitFor();
    const fp32Graphs = tinyFiles('fp32').filter((f) => f.path.startsWith('onnx/'));
    const graphBytes = fp32Graphs.reduce((sum, f) => sum + f.bytes, 0);
    const before = await harnessClient<ModelsHarness>(page).usage();
    if (before === undefined) throw new Error('navigator.storage.estimate() gave no usage');
    await page.locator(`[data-testid=cached-model][data-key="${fp32Key}"] [data-testid=cached-delete]`).click();
    await page.locator(`[data-testid=cached-model][data-key="${fp32Key}"]`).waitFor({ state: 'detached' });
    const keys = await cacheKeys(page);
    for (const f of fp32Graphs) expect(keys).not.toContain(folderUrl() + f.path);
    expect(keys).not.toContain(`${folderUrl()}.rewatch-model-fp32.json`);
    await expectTinyIntact(page);
    // The browser updates its usage figure when the deletion is committed: wait for the drop.
    await page.waitForFunction(
      ([b, g]) => (window as ModelsWindow).harness.usage().then((u) => u !== undefined && u <= b - g * 0.9),
      [before, graphBytes],
      { timeout: 60_000, polling: 250 },
    );
    await page.close();
  });
});

describe('model folders from disk', () => {
  it('refuses a folder without config.json, and stays usable', async () => {
    const page = await openHarness();
    const dir = tinyFolderCopy('no-config', (d) => rmSync(join(d, 'config.json')));
    await page.locator('[data-testid=model-folder-input]').setInputFiles(dir);
    expect(await settledStatus(page, ['error'])).toMatch(
      /"no-config" has no config\.json at its top: it is not a converted model folder/,
    );
    expect(await page.locator('[data-testid=model-folder-input]').isEnabled()).toBe(true);
    await expectTinyIntact(page);
    await page.close();
  });

  it('loads a folder given through the folder input with no request for any model file', async () => {
    const page = await openHarness();
    const dir = tinyFolderCopy('tiny-from-disk');
    const names = [
      'config.json',
      'tokenizer',
      'preprocessor_config',
      '.onnx',
      'generation_config',
      'chat_template',
      '__rewatch-picked__',
    ];
    const modelRequests: string[] = [];
    page.on('request', (r) => {
      if (names.some((n) => r.url().includes(n))) modelRequests.push(r.url());
    });
    await page.locator('[data-testid=model-folder-input]').setInputFiles(dir);
    const status = await settledStatus(page);
    expect(status, consoleLines.join('\n')).toMatch(/^Ready: tiny-from-disk \(local folder\) \(q4, WASM\)/);
    expect(await page.locator('[data-testid=device-reason]').innerText()).toMatch(
      /software renderer on the CPU, slower than WASM/,
    );
    expect(modelRequests).toEqual([]);
    await page.close();
  });

  it('names what to re-convert when a graph lacks an input the generation loop needs (an older or foreign export)', async () => {
    const page = await openHarness();
    // A decoder that returns logits for every position (no num_logits_to_keep), as other exporters write it.
    const old = tinyFolderCopy('old-export', (d) => {
      const path = join(d, 'onnx/decoder_model_merged_q4.onnx');
      const model = onnx.ModelProto.decode(readFileSync(path));
      const rename = (name: string) => (name === 'num_logits_to_keep' ? 'keep_all_logits' : name);
      for (const input of model.graph!.input!) input.name = rename(input.name!);
      for (const node of model.graph!.node!) node.input = node.input!.map(rename);
      writeFileSync(path, onnx.ModelProto.encode(model).finish());
    });
    await page.locator('[data-testid=model-folder-input]').setInputFiles(old);
    expect(await settledStatus(page)).toMatch(
      /^Error: onnx\/decoder_model_merged_q4\.onnx lacks input num_logits_to_keep: re-convert the checkpoint with this version's converter: npm run convert -- --in <checkpoint folder> --out <model folder> --dtype q4/,
    );
    await page.locator('[data-testid=model-folder-input]').setInputFiles(tinyFolderCopy('good-after-old'));
    expect(await settledStatus(page), consoleLines.join('\n')).toMatch(/^Ready: good-after-old/);
    await expectTinyIntact(page);
    await page.close();
  });

  it('reports a corrupted ONNX file clearly; the app then loads a good folder', async () => {
    const page = await openHarness();
    const bad = tinyFolderCopy('corrupted', (d) => {
      const path = join(d, 'onnx/decoder_model_merged_q4.onnx');
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    });
    await page.locator('[data-testid=model-folder-input]').setInputFiles(bad);
    expect(await settledStatus(page)).toMatch(/^Error: could not load the model: /);
    await page.locator('[data-testid=model-folder-input]').setInputFiles(tinyFolderCopy('good-after-bad'));
    expect(await settledStatus(page), consoleLines.join('\n')).toMatch(/^Ready: good-after-bad/);
    await expectTinyIntact(page);
    await page.close();
  });
});

describe('a lost GPU device', () => {
  it('says so clearly; reloading gets a working model on a fresh device, falling back one on WASM; the cache is intact', async () => {
    const page = await openHarness();
    // A real loss (driver reset, GPU process crash) fails all GPU work and resolves device.lost with reason
    // 'unknown'. Pages cannot cause one (chrome://gpucrash is refused), so the test does both to the device
    // ONNX Runtime creates in the inference worker: destroy() fails the work, a stand-in `lost` says why,
    // a moment later (a real loss often fails a buffer read before device.lost settles).
    const worker = page.workers().find((w) => w.url().includes('inference.worker'));
    if (!worker) throw new Error(`no inference worker among ${page.workers().map((w) => w.url())}`);
    await worker.evaluate(() => {
      const adapter = GPUAdapter.prototype;
      const requestDevice = adapter.requestDevice;
      adapter.requestDevice = async function (this: GPUAdapter, ...args: Parameters<GPUAdapter['requestDevice']>) {
        const device = await requestDevice.apply(this, args);
        let reportLoss!: (info: { reason: string; message: string }) => void;
        Object.defineProperty(device, 'lost', { value: new Promise((resolve) => (reportLoss = resolve)) });
        (globalThis as unknown as DeviceLossProbe).loseDevice = () => {
          device.destroy();
          setTimeout(() => reportLoss({ reason: 'unknown', message: 'simulated GPU reset' }), 300);
        };
        return device;
      };
    });
    await selectTiny(page);
    await page.locator('[data-testid=device-choice]').selectOption('webgpu');
    await page.locator('[data-testid=model-load]').click();
    expect(await settledStatus(page), consoleLines.join('\n')).toMatch(/^Ready: Tiny test model.*WebGPU/);
    const chat = (maxNewTokens: number) =>
      page.evaluate(async (n) => {
        const { inference } = (window as ModelsWindow).harness;
        const result = await inference.chat({
          messages: [{ role: 'user', content: 'Hello' }],
          visuals: [],
          maxNewTokens: n,
        });
        return result ? 'answered' : `${inference.error?.kind}: ${inference.error?.message}`;
      }, maxNewTokens);
    expect(await chat(4)).toBe('answered');

    // A long run; the device goes once its first tokens have streamed.
    const run = chat(2048);
    await page.waitForFunction(() => (window as ModelsWindow).harness.inference.text.length > 0, null, {
      timeout: 120_000,
      polling: 100,
    });
    await worker.evaluate(() => (globalThis as unknown as DeviceLossProbe).loseDevice());
    expect(await run).toMatch(/^device-lost: The GPU device was lost \(unknown: simulated GPU reset\)/);
    expect(await settledStatus(page, ['error'])).toMatch(
      /^Error: The GPU device was lost \(unknown: simulated GPU reset\)\. Reload the model/,
    );
    expect(await page.locator('[data-testid=model-fallback-wasm]').isVisible()).toBe(true);
    await page.locator('[data-testid=model-reload]').click();
    expect(await settledStatus(page), consoleLines.join('\n')).toMatch(/^Ready: Tiny test model.*WebGPU/);
    expect(await chat(4)).toBe('answered');
    // The other way out, falling back to the CPU, loads the same model on WASM.
    await page.evaluate(() => (window as ModelsWindow).harness.models.fallBackToWasm());
    expect(await settledStatus(page), consoleLines.join('\n')).toBe(
      'Ready: Tiny test model (random weights) (q4, WASM)',
    );
    expect(await chat(4)).toBe('answered');
    await expectTinyIntact(page);
    await page.close();
  });
});

describe('a model hosted elsewhere', () => {
  it('checks a folder URL the user gives for an entry, and refuses one that is not http(s)', async () => {
    const page = await openHarness();
    await selectTiny(page);
    const entry = page.locator(`[data-testid=model-entry][data-id="${TINY_ID}"]`);
    await page.locator('[data-testid=model-host-url]').fill(`${server.url}/models/nowhere/`);
    await page.locator('[data-testid=model-host-url]').press('Enter');
    await page.waitForFunction(
      (id) =>
        document.querySelector(`[data-testid=model-entry][data-id="${id}"]`)?.getAttribute('data-availability') ===
        'missing',
      TINY_ID,
    );
    await page
      .locator('[data-testid=model-host-url]')
      .fill(`${server.url}${MODEL_FIXTURES_URL}/qwen2_5_vl_tiny_untied/`);
    await page.locator('[data-testid=model-host-url]').press('Enter');
    await page.waitForFunction(
      (id) =>
        document.querySelector(`[data-testid=model-entry][data-id="${id}"]`)?.getAttribute('data-availability') ===
        'on-server',
      TINY_ID,
    );
    expect(await entry.innerText()).toContain('/qwen2_5_vl_tiny_untied/');
    await page.locator('[data-testid=model-host-url]').evaluate((el: HTMLInputElement) => (el.type = 'text'));
    await page.locator('[data-testid=model-host-url]').fill('ftp://example.org/model/');
    await page.locator('[data-testid=model-host-url]').press('Enter');
    expect(await settledStatus(page, ['error'])).toMatch(
      /"ftp:\/\/example\.org\/model\/" is not a folder URL: not an http\(s\) URL/,
    );
    await page.close();
  });
  it('says why a folder URL has no model: not found, not readable (down or no CORS), not a model folder', async () => {
    // Three local hosts: one answers 404 (with CORS), one answers without CORS, one is down (closed).
    const listen = async (handler: Parameters<typeof createServer>[1]) => {
      const s = createServer(handler);
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/model/` };
    };
    const notFound = await listen((_, res) => res.writeHead(404, { 'Access-Control-Allow-Origin': '*' }).end());
    const noCors = await listen((_, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'));
    const down = await listen(() => undefined);
    await new Promise((resolve) => down.server.close(resolve));
    const page = await openHarness();
    try {
      await selectTiny(page);
      const cases: [string, RegExp][] = [
        [notFound.url, /Nothing at http:\/\/127\.0\.0\.1:\d+\/model\/config\.json \(HTTP 404\)/],
        // A cross-origin isolated page cannot tell these two apart: the message names both causes.
        [noCors.url, /127\.0\.0\.1:\d+ is down or the address is wrong, or it does not allow this page/],
        [down.url, /127\.0\.0\.1:\d+ is down or the address is wrong, or it does not allow this page/],
        [`${server.url}/models/nowhere/`, /is not a converted model folder: .*a web page/],
      ];
      for (const [url, cause] of cases) {
        await page.locator('[data-testid=model-host-url]').fill(url);
        await page.locator('[data-testid=model-host-url]').press('Enter');
        await page.waitForFunction(
          ([u, source, id]) =>
            document.querySelector(`[data-testid=model-entry][data-id="${id}"] .muted`)?.textContent?.includes(u) &&
            new RegExp(source).test(document.querySelector('[data-testid=model-host-problem]')?.textContent ?? ''),
          [url, cause.source, TINY_ID] as const,
        );
        expect(await page.textContent('[data-testid=model-host-problem]'), url).toMatch(cause);
        expect(await page.locator('[data-testid=model-how-to-get]').count(), url).toBe(0);
      }
    } finally {
      await page.close();
      await Promise.all([notFound, noCors].map(({ server: s }) => new Promise((resolve) => s.close(resolve))));
    }
  });
});
