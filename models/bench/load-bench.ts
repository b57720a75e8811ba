/**
 * npm run bench:load -- --preset 7b [--dtype q4] [--path url|static|picked|cached ...] [--device webgpu|wasm] [--budget-s 1800] [--timeline]
 *
 * Loads the converted synthetic model (bench:infer's, models/bench-models/<preset>-<dtype>/) in headless
 * Chromium through the app's inference worker, by every path a person has, and prints each path's load time
 * and the browser's peak memory (PSS summed over its processes, renderer and GPU process apart) against the
 * weights' bytes:
 * - url: a folder URL on the project's own server (`npm start`'s, which answers range requests);
 * - static: a folder URL on a static server without range requests (weights staged on disk first);
 * - picked: the folder picked with the folder input (disk-backed Files);
 * - cached: downloaded into the Cache API as "Download and load" does, then loaded from there (the download's
 *   own peak is reported apart).
 * Each path gets a fresh browser profile.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isDtype, type ModelDtype } from '../../src/lib/models/model-layout.ts';
import type { DeviceChoice, LoadOptions } from '../../src/lib/protocol/inference-protocol.ts';
import { createAppServer } from '../../scripts/serve.ts';
import { modelRoute } from '../../scripts/model-route.ts';
import { launchChromium, startDevServer } from '../../tests/support/browser.ts';
import { openHarness } from '../../tests/support/harness.ts';
import { REPO_ROOT } from '../../tests/support/reference.ts';
import type { InferenceHarness } from '../../tests/pages/inference.ts';
import { chromiumPss, samplePeak } from './process-memory.ts';

const PATHS = ['url', 'static', 'picked', 'cached'] as const;
type LoadPath = (typeof PATHS)[number];

interface PathRow {
  path: LoadPath;
  seconds: number;
  peak: { browserPssMb: number; rendererPssMb: number; gpuPssMb: number };
  /** The download's own peak (cached path). */
  downloadPeak?: { browserPssMb: number };
  outcome: string;
}

/** Serves `dir` as a plain static server: CORS, no range requests (every request gets the whole file). */
function plainServer(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]));
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const info = path.startsWith(dir) ? statSync(path, { throwIfNoEntry: false }) : undefined;
    if (!info?.isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': info.size, 'Content-Type': 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }),
    ),
  );
}

/** Weights of `dtype`: the three graphs and their external data files. */
function weightBytes(dir: string, dtype: ModelDtype): number {
  const suffix = dtype === 'fp32' ? '' : `_${dtype}`;
  return readdirSync(join(dir, 'onnx'))
    .filter((f) =>
      ['vision_encoder', 'embed_tokens', 'decoder_model_merged'].some(
        (g) => f === `${g}${suffix}.onnx` || f.startsWith(`${g}${suffix}.onnx_data`),
      ),
    )
    .reduce((n, f) => n + statSync(join(dir, 'onnx', f)).size, 0);
}

async function loadBy(
  path: LoadPath,
  folder: string,
  dtype: ModelDtype,
  device: DeviceChoice,
  budgetMs: number,
  urls: { dev: string; app: string; plain: string },
  timeline: boolean,
): Promise<PathRow> {
  const browser = await launchChromium();
  const sample = () => {
    const m = chromiumPss(browser.userDataDir);
    return { browserPssMb: m.totalMb, rendererPssMb: m.rendererMb, gpuPssMb: m.gpuMb };
  };
  const row: PathRow = { path, seconds: 0, peak: { browserPssMb: 0, rendererPssMb: 0, gpuPssMb: 0 }, outcome: '' };
  try {
    const page = await browser.context.newPage();
    const inference = await openHarness<InferenceHarness>(page, `${urls.dev}/tests/pages/inference.html`);
    const options: LoadOptions = { device, dtype };
    if (path === 'cached') {
      const download = samplePeak(sample);
      await inference.download(urls.app, options.dtype);
      row.downloadPeak = { browserPssMb: download.stop().browserPssMb };
    }
    if (path === 'picked') await page.locator('[data-testid=harness-folder]').setInputFiles(folder);
    const started = performance.now();
    let lastPrint = 0;
    const memory = samplePeak(sample, 250, (s) => {
      const t = (performance.now() - started) / 1000;
      if (!timeline || t - lastPrint < 5) return;
      lastPrint = t;
      console.log(
        `  [${t.toFixed(0)} s] browser ${s.browserPssMb.toFixed(0)} MB PSS (renderer ${s.rendererPssMb.toFixed(0)}, GPU ${s.gpuPssMb.toFixed(0)})`,
      );
    });
    const load =
      path === 'picked'
        ? inference.loadFromInput(options)
        : inference.load({ kind: 'url', url: path === 'static' ? urls.plain : urls.app }, options);
    const outcome = await Promise.race([load, new Promise<'budget'>((r) => setTimeout(() => r('budget'), budgetMs))]);
    row.seconds = (performance.now() - started) / 1000;
    row.peak = memory.stop();
    row.outcome =
      outcome === 'budget'
        ? `stopped after the ${budgetMs / 1000} s budget`
        : outcome.ok
          ? 'loaded'
          : `failed: ${outcome.message}`;
  } finally {
    await browser.close();
  }
  return row;
}

try {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: '7b' },
      dtype: { type: 'string', default: 'q4' },
      path: { type: 'string', multiple: true },
      device: { type: 'string', default: 'webgpu' },
      'budget-s': { type: 'string', default: '1800' },
      timeline: { type: 'boolean', default: false },
    },
  });
  if (!isDtype(values.dtype!) || !['webgpu', 'wasm', 'auto'].includes(values.device!))
    throw new TypeError(
      'usage: npm run bench:load -- --preset 7b [--dtype q4] [--path url|static|picked|cached ...] [--device webgpu|wasm] [--budget-s 1800]',
    );
  const dtype = values.dtype as ModelDtype;
  const name = `${values.preset}-${dtype}`;
  const folder = join(REPO_ROOT, 'models/bench-models', name);
  statSync(join(folder, 'config.json'));
  const weights = weightBytes(folder, dtype);
  const paths = (values.path ?? [...PATHS]) as LoadPath[];
  const dev = await startDevServer();
  // npm start's server (its model route answers range requests, with CORS): the harness page is the dev server's.
  const app = createAppServer(join(REPO_ROOT, 'dist'), [modelRoute(join(REPO_ROOT, 'models'))]);
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const plain = await plainServer(folder);
  const rows: PathRow[] = [];
  try {
    for (const path of paths) {
      console.log(`${path}: loading ${name} (${(weights / 1e9).toFixed(2)} GB of weights) on ${values.device}…`);
      const urls = {
        dev: dev.url,
        app: `http://127.0.0.1:${(app.address() as AddressInfo).port}/models/bench-models/${name}/`,
        plain: plain.url,
      };
      rows.push(
        await loadBy(
          path,
          folder,
          dtype,
          values.device as DeviceChoice,
          Number(values['budget-s']) * 1000,
          urls,
          values.timeline!,
        ),
      );
      console.log(`  ${JSON.stringify(rows.at(-1))}`);
    }
  } finally {
    await dev.server.close();
    await new Promise((r) => app.close(r));
    await new Promise((r) => plain.server.close(r));
  }
  console.log(`\nbench:load, ${name}, ${(weights / 1e9).toFixed(2)} GB of weights, ${values.device}\n`);
  console.log('path | load s | peak browser PSS MB (renderer, GPU process) | peak / weights | outcome');
  console.log('--- | --- | --- | --- | ---');
  for (const r of rows) {
    console.log(
      `${r.path} | ${r.seconds.toFixed(0)} | ${r.peak.browserPssMb.toFixed(0)} (${r.peak.rendererPssMb.toFixed(0)}, ${r.peak.gpuPssMb.toFixed(0)}) | ${((r.peak.browserPssMb * 2 ** 20) / weights).toFixed(2)}x | ${r.outcome}${r.downloadPeak ? `; the download's peak ${r.downloadPeak.browserPssMb.toFixed(0)} MB` : ''}`,
    );
  }
} catch (e) {
  console.error(`bench:load: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
