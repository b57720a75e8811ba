/**
 * Converting a checkpoint inside the page (workers/convert, the same converter as `npm run convert`) in
 * real Chromium: the tiny reference checkpoint folders (the tied single-file one and the untied 2-shard
 * one, read in place) picked through the panel's `convert-input` convert to q4 and fp32 in OPFS, byte for
 * byte what the CLI writes for the same folder and dtype; the fp32 result loads from OPFS with no request
 * for any model file and gives every reference case's greedy ids. Bad folders get the converter's message,
 * a quota smaller than the output is refused before starting, a cancel mid-way and a failure leave nothing
 * in OPFS, the next visit loads the last converted model by itself (until told not to), a conversion under a
 * name already taken asks first (replace, keep both, cancel), and deleting a converted model frees its space; the app's first screen names the model needed and says when there is no WebGPU. One
 * browser profile for the whole file.
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convert } from '../../models/converter/convert.ts';
import { loadCaseChat } from '../../models/parity/case-chat.ts';
import type { ModelDtype } from '../../src/lib/models/model-layout.ts';
import { collectConsole, launchChromium, startDevServer, type LaunchedBrowser, type Page } from '../support/browser.ts';
import { harnessClient, waitForHarness, type HarnessClient } from '../support/harness.ts';
import { settledStatus } from '../support/model-panel.ts';
import { REFERENCE_ROOT, referenceCases, referenceModelDir } from '../support/reference.ts';
import type { ConvertHarness } from '../pages/convert.ts';

const TIED = 'qwen2_5_vl_tiny';
const SHARDED = 'qwen2_5_vl_tiny_untied';
/** The reference folders are named `model`: that is the name the page gives the converted model. */
const NAME = 'model';

let browser: LaunchedBrowser;
let server: Awaited<ReturnType<typeof startDevServer>>;
let page: Page;
let harness: HarnessClient<ConvertHarness>;
let consoleLines: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'rewatch-convert-in-page-'));
/** Every URL the page and its workers requested. */
const requested: string[] = [];

async function openPanel(init?: () => void): Promise<Page> {
  const p = await browser.context.newPage();
  consoleLines = collectConsole(p);
  p.on('request', (r) => requested.push(r.url()));
  if (init) await p.addInitScript(init);
  await p.goto(`${server.url}/tests/pages/convert.html`);
  await waitForHarness(p);
  await p.locator('[data-testid=capability-choice]').waitFor({ timeout: 60_000 });
  return p;
}

beforeAll(async () => {
  server = await startDevServer();
  browser = await launchChromium();
  page = await openPanel();
  harness = harnessClient<ConvertHarness>(() => page);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.server.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** SHA-256 of every file of a folder on disk, by relative path. */
function digests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else out[relative(dir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
}

/** A copy of a reference checkpoint folder, named `name`, with `edit` applied. */
function brokenCopy(model: string, name: string, edit: (dir: string) => void): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(referenceModelDir(model))) copyFileSync(join(referenceModelDir(model), f), join(dir, f));
  edit(dir);
  return dir;
}

async function pick(p: Page, dir: string, dtype: ModelDtype): Promise<void> {
  await p.locator('[data-testid=convert-dtype]').selectOption(dtype);
  await p.locator('[data-testid=convert-input]').setInputFiles(dir);
}

type NameAnswer = 'convert-replace' | 'convert-keep-both' | 'convert-keep';

/**
 * Picks `dir` for conversion, gives `answer` if the panel asks about a model of the same name, and waits
 * until the panel says how it ended: the note or the error.
 */
async function convertThrough(
  p: Page,
  dir: string,
  dtype: ModelDtype,
  answer: NameAnswer = 'convert-replace',
): Promise<string> {
  await pick(p, dir, dtype);
  const ended = p.locator('[data-testid=convert-note], [data-testid=convert-error]');
  const asked = p.locator('[data-testid=convert-exists]');
  await ended.or(asked).first().waitFor({ timeout: 300_000 });
  if (await asked.isVisible()) await p.locator(`[data-testid=${answer}]`).click();
  await ended.first().waitFor({ timeout: 300_000 });
  return ended.first().innerText();
}

const CONVERTED = /^Converted "model" to (q4|fp32) \([\d.]+ (MB|kB)\) in \d+ s\.$/;

it('the first screen says what model is needed and where it comes from, and says so when there is no WebGPU', async () => {
  const app = await browser.context.newPage();
  await app.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined }));
  try {
    await app.goto(server.url);
    const line = app.locator('[data-testid=first-run]');
    expect(await line.innerText()).toMatch(/^Answers need a ReWatch-R1 model: download the checkpoint from/);
    expect(await line.locator('a').getAttribute('href')).toBe('https://modelscope.cn/models/zcccccz/ReWatch-R1');
    expect(await app.locator('[data-testid=no-webgpu]').innerText({ timeout: 60_000 })).toMatch(
      /^No WebGPU here \(this browser has no WebGPU \(navigator\.gpu is missing\)\): models run on the CPU/,
    );
  } finally {
    await app.close();
  }
});

describe('bad folders get the converter’s message, and nothing is written', () => {
  it.each([
    [
      'missing shard',
      () => brokenCopy(SHARDED, 'missing-shard', (d) => rmSync(join(d, 'model-00002-of-00002.safetensors'))),
      /missing shard file\(s\) listed in model\.safetensors\.index\.json: model-00002-of-00002\.safetensors/,
    ],
    [
      'truncated shard',
      () =>
        brokenCopy(SHARDED, 'truncated-shard', (d) => {
          const shard = join(d, 'model-00002-of-00002.safetensors');
          truncateSync(shard, statSync(shard).size - 1000);
        }),
      /model-00002-of-00002\.safetensors: truncated: tensor ".*" ends at byte \d+ but the file has \d+ bytes/,
    ],
    [
      'unsupported architecture',
      () =>
        brokenCopy(TIED, 'llama', (d) => {
          const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
          writeFileSync(
            join(d, 'config.json'),
            JSON.stringify({ ...config, model_type: 'llama', architectures: ['LlamaForCausalLM'] }),
          );
        }),
      /unsupported architecture: model_type "llama"/,
    ],
  ])('%s', async (_, make, message) => {
    expect(await convertThrough(page, make(), 'q4')).toMatch(message);
    expect(await harness.opfsEntries()).toEqual([]);
    expect(await page.locator('[data-testid=converted-model]').count()).toBe(0);
    expect(await page.locator('[data-testid=convert-input]').isEnabled()).toBe(true);
  });
});

it('refuses a quota smaller than the output before starting', async () => {
  const small = await openPanel(() => {
    navigator.storage.estimate = async () => ({ quota: 20e6, usage: 15e6 });
  });
  try {
    expect(await convertThrough(small, referenceModelDir(TIED), 'fp32')).toMatch(
      /^Not enough browser storage: converting "model" to fp32 needs [\d.]+ MB but only 5\.0 MB is free/,
    );
    expect(await harnessClient<ConvertHarness>(small).opfsEntries()).toEqual([]);
  } finally {
    await small.close();
  }
});

it('a cancel mid-way leaves no model entry and no partial files', async () => {
  await pick(page, referenceModelDir(SHARDED), 'q4');
  await page.locator('[data-testid=convert-cancel]').click();
  const note = page.locator('[data-testid=convert-note]');
  await note.waitFor({ timeout: 300_000 });
  expect(await note.innerText()).toBe('Conversion of "model" cancelled; nothing was kept.');
  expect(await harness.opfsEntries()).toEqual([]);
  expect(await page.locator('[data-testid=converted-model]').count()).toBe(0);
});

describe.each([TIED, SHARDED])('%s picked through the page', (model) => {
  const cli = (dtype: ModelDtype) => join(scratch, `cli-${model}-${dtype}`);

  it.each(['q4', 'fp32'] as const)('converts to %s in OPFS, byte for byte what the CLI writes', async (dtype) => {
    await convert({ input: referenceModelDir(model), output: cli(dtype), dtypes: [dtype] });
    expect(await convertThrough(page, referenceModelDir(model), dtype), consoleLines.join('\n')).toMatch(CONVERTED);
    expect(await harness.opfsEntries()).toEqual([NAME]);
    await page.locator(`[data-testid=converted-model][data-name="${NAME}"]`).waitFor();
    expect(await harness.digests(NAME)).toEqual(digests(cli(dtype)));
  });

  it('the fp32 result loads from OPFS with no request for any model file and gives every case’s greedy ids', async () => {
    const from = requested.length;
    await page.locator(`[data-testid=converted-model][data-name="${NAME}"] [data-testid=converted-load]`).click();
    expect(await settledStatus(page), consoleLines.join('\n')).toMatch(
      /^Ready: model \(in this browser\) \(fp32, WASM\)/,
    );
    for (const name of referenceCases(model)) {
      const c = loadCaseChat(join(REFERENCE_ROOT, model, 'cases', name), 'resized');
      expect(await harness.chat(c.request), name).toEqual({ ids: c.expectedIds });
    }
    const modelFiles = requested
      .slice(from)
      .filter((u) => /\.onnx|safetensors|tokenizer|config\.json|chat_template/.test(u) && !u.includes('/tests/'));
    expect(modelFiles).toEqual([]);
  }, 900_000);
});

it('the next visit loads the last converted model by itself, until told not to', async () => {
  const next = await openPanel();
  const client = harnessClient<ConvertHarness>(next);
  try {
    await client.init();
    expect(await client.resumed()).toBe(NAME);
    expect(await settledStatus(next), consoleLines.join('\n')).toMatch(
      /^Ready: model \(in this browser\) \(fp32, WASM\)/,
    );
    await client.forgetLastModel();
  } finally {
    await next.close();
  }
  const after = await openPanel();
  try {
    const client2 = harnessClient<ConvertHarness>(after);
    await client2.init();
    expect(await client2.resumed()).toBeNull();
    expect(await after.locator('[data-testid=model-status]').innerText()).toBe('No model loaded');
  } finally {
    await after.close();
  }
}, 300_000);

it('a conversion under a name already here asks first: cancel keeps it, keep both adds one, replace replaces', async () => {
  const entries = async () => (await harness.opfsEntries()).sort();
  expect(await entries()).toEqual([NAME]); // the sharded checkpoint's fp32
  const before = await harness.digests(NAME);
  const asked = page.locator('[data-testid=convert-exists]');

  expect(await convertThrough(page, referenceModelDir(TIED), 'q4', 'convert-keep')).toBe(
    'Nothing converted; "model" in this browser is kept as it was.',
  );
  expect(await entries()).toEqual([NAME]);
  expect(await harness.digests(NAME)).toEqual(before);

  await pick(page, referenceModelDir(TIED), 'q4');
  await asked.waitFor({ timeout: 60_000 });
  expect(await asked.innerText()).toMatch(
    /^"model" is already in this browser \(fp32, [\d.]+ (MB|kB)\)\. Converting to q4 under the same name replaces it\./,
  );
  await page.locator('[data-testid=convert-keep-both]').click();
  const note = page.locator('[data-testid=convert-note]');
  await note.waitFor({ timeout: 300_000 });
  expect(await note.innerText()).toMatch(/^Converted "model" to q4 as "model-q4" \(/);
  expect(await entries()).toEqual([NAME, 'model-q4']);
  expect(await harness.digests(NAME)).toEqual(before);
  expect(await harness.digests('model-q4')).toEqual(digests(join(scratch, `cli-${TIED}-q4`)));

  expect(await convertThrough(page, referenceModelDir(TIED), 'fp32', 'convert-replace')).toMatch(CONVERTED);
  expect(await entries()).toEqual([NAME, 'model-q4']);
  expect(await harness.digests(NAME)).toEqual(digests(join(scratch, `cli-${TIED}-fp32`)));

  await page.locator(`[data-testid=converted-model][data-name="model-q4"] [data-testid=converted-delete]`).click();
  await page.locator(`[data-testid=converted-model][data-name="model-q4"]`).waitFor({ state: 'detached' });
  expect(await entries()).toEqual([NAME]);
}, 600_000);

it('deleting a converted model frees its space', async () => {
  const before = await harness.usage();
  if (before === undefined) throw new Error('navigator.storage.estimate() gave no usage');
  // OPFS holds the tied checkpoint's fp32 conversion, the size of the CLI's.
  const modelBytes = folderBytes(join(scratch, `cli-${TIED}-fp32`));
  await page.locator(`[data-testid=converted-model][data-name="${NAME}"] [data-testid=converted-delete]`).click();
  await page.locator(`[data-testid=converted-model][data-name="${NAME}"]`).waitFor({ state: 'detached' });
  expect(await harness.opfsEntries()).toEqual([]);
  // The browser updates its usage figure when the deletion is committed: wait for the drop.
  await page.waitForFunction(
    ([b, m]) => navigator.storage.estimate().then((e) => e.usage !== undefined && e.usage <= b - m * 0.9),
    [before, modelBytes],
    { timeout: 60_000, polling: 250 },
  );
});
