/**
 * The built app as `npm start` serves it (dist/ plus converted models under /models/). A model converted into
 * models/rewatch-r1-7b/ is the default. After one visit that downloads the tiny model, the page reloaded with
 * the network off opens from the service worker, loads the cached model and streams an answer to a question
 * about a video read from disk.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import makeModelFixtures, { MODEL_FIXTURES_DIR, modelFixtureDir } from '../../scripts/fixtures/models.ts';
import { modelRoute } from '../../scripts/model-route.ts';
import { createAppServer } from '../../scripts/serve.ts';
import { collectConsole, launchChromium, type LaunchedBrowser, type Page } from '../support/browser.ts';
import { TINY_ID, selectEntry, settledStatus } from '../support/model-panel.ts';
import { REPO_ROOT } from '../support/reference.ts';

const VIDEO = join(REPO_ROOT, 'public', 'sample-video.mp4');

let outDir: string;
/** Stands in for the repo's models/: the fixtures, and a "converted ReWatch-R1" (the tiny model's files). */
let modelsDir: string;
let server: Server;
let url: string;
let browser: LaunchedBrowser;

beforeAll(async () => {
  await makeModelFixtures();
  outDir = mkdtempSync(join(tmpdir(), 'rewatch-dist-'));
  // Vitest sets NODE_ENV=test, which would make this a development build (no service worker); npm start's is production.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: REPO_ROOT,
      configFile: join(REPO_ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  modelsDir = mkdtempSync(join(tmpdir(), 'rewatch-models-dir-'));
  symlinkSync(MODEL_FIXTURES_DIR, join(modelsDir, 'fixtures'));
  mkdirSync(join(modelsDir, 'rewatch-r1-7b'));
  cpSync(modelFixtureDir('qwen2_5_vl_tiny'), join(modelsDir, 'rewatch-r1-7b'), { recursive: true });
  server = createAppServer(outDir, [modelRoute(modelsDir)]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('app server has no port');
  url = `http://localhost:${address.port}/`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

async function openModelDrawer(page: Page): Promise<void> {
  await page.locator('details:has([data-testid=model-status]) > summary').click();
}

it('makes a model converted into models/rewatch-r1-7b/ the default', async () => {
  const page = await browser.context.newPage();
  await page.goto(url);
  const entry = page.locator('[data-testid=model-entry][data-id="rewatch-r1-7b"]');
  await page.waitForFunction(
    () =>
      document
        .querySelector('[data-testid=model-entry][data-id="rewatch-r1-7b"]')
        ?.getAttribute('data-availability') === 'on-server',
    null,
    { timeout: 60_000, polling: 250 },
  );
  expect(await entry.locator('input[type=radio]').isChecked()).toBe(true);
  expect(await page.locator('[data-testid=model-how-to-get]').count()).toBe(0);
  await page.close();
});

it('after one visit, the page reloaded offline opens, loads the cached model and answers', async () => {
  const page = await browser.context.newPage();
  const log = collectConsole(page);
  await page.goto(url);
  // The service worker has precached the shell and controls the page.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
    timeout: 120_000,
    polling: 250,
  });
  await openModelDrawer(page);
  await selectEntry(page, TINY_ID);
  await page.locator('[data-testid=model-load]').click();
  expect(await settledStatus(page), log.join('\n')).toMatch(/^Ready: Tiny test model/);

  await browser.context.setOffline(true);
  await page.reload();
  await openModelDrawer(page);
  await page.locator('[data-testid=cached-model] [data-testid=cached-load]').first().click();
  expect(await settledStatus(page), log.join('\n')).toMatch(/^Ready: Tiny test model/);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  await page.setInputFiles('[data-testid=video-input]', VIDEO);
  await page.locator('[data-testid=question]').fill('What happens in this video?');
  await page.locator('[data-testid=ask]').click();
  // The tiny model's random weights rarely end an answer: once text streams in, Stop ends it.
  await page.waitForFunction(
    () => (document.querySelector('[data-testid=trace]')?.textContent ?? '').trim().length > 0,
    null,
    { timeout: 240_000, polling: 500 },
  );
  await page.locator('[data-testid=stop]').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid=trace]')?.getAttribute('aria-busy') === 'false',
    null,
    { timeout: 120_000, polling: 500 },
  );
  expect((await page.locator('[data-testid=trace]').innerText()).trim().length).toBeGreaterThan(0);
  await browser.context.setOffline(false);
  await page.close();
});
