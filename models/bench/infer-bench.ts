/**
 * npm run bench:infer -- --preset 0.5b|3b|7b [--dtype q4|q4f16] [--runtime node|wasm|webgpu ...] [--frames 16]
 *   [--contexts 1024,4096,12288] [--steps 5] [--chunk 512] [--budget-s 1800] [--json <file>] [--reconvert] [--compare-logits]
 *   [--rewatch-frames 16]
 *
 * The app's own pipeline at the real shapes: a synthetic checkpoint of the preset (random weights: speed and
 * memory do not depend on values) is converted once with GroupQueryAttention and kept in
 * models/bench-models/<preset>-<dtype>/ (gitignored; `npm start` serves it too), then the stages of
 * infer-stages.ts run on each runtime, one after another on the same files: onnxruntime-node in a child
 * process, and onnxruntime-web's WASM and WebGPU in headless Chromium, through a worker running the same loop
 * modules as the app's inference worker. Prints one table (load, peak memory, vision encoder ms/frame,
 * prefill tok/s, TTFT, decode ms/token per context, KV tensors and GPU storage buffers per decode step) and
 * writes it as JSON. A runtime that exceeds its time budget is stopped; its row says how far it got.
 * --compare-logits prints the max-abs difference of the prefill's last logits between the runtimes.
 * --rewatch-frames N times what issue 10's settings cost: one grounded re-watch (a clip of N frames and its
 * inserted text appended after the first token) and one evidence check over that clip.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isDtype, type ModelDtype } from '../../src/lib/models/model-layout.ts';
import type { DecoderLoopHarness, DecoderLoopWindow } from '../../tests/pages/decoder-loop.ts';
import { launchChromium, startDevServer } from '../../tests/support/browser.ts';
import { openHarness } from '../../tests/support/harness.ts';
import { referenceModelDir, referenceModels, REPO_ROOT } from '../../tests/support/reference.ts';
import { type BenchOptions, type StageReport } from './infer-stages.ts';
import { PRESETS, type PresetName } from './presets.ts';
import { syntheticModel } from './bench-model.ts';
import { chromiumPss, rssMb, samplePeak } from './process-memory.ts';

const RUNTIMES = ['node', 'wasm', 'webgpu'] as const;
type Runtime = (typeof RUNTIMES)[number];

export const BENCH_MODELS_DIR = join(REPO_ROOT, 'models/bench-models');

interface RuntimeRow {
  runtime: Runtime;
  stages: StageReport[];
  memory: Record<string, number>;
  /** Why the row is incomplete (time budget, failure), if it is. */
  ended?: string;
  seconds: number;
}

function runNode(model: string, options: BenchOptions, budgetMs: number): Promise<RuntimeRow> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(dirname(fileURLToPath(import.meta.url)), 'infer-node.ts'),
      '--model',
      model,
      '--options',
      JSON.stringify(options),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const memory = samplePeak(() => ({ rssMb: rssMb(child.pid!) }));
  const row: RuntimeRow = { runtime: 'node', stages: [], memory: {}, seconds: 0 };
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.startsWith('BENCH ')) continue;
      const report = JSON.parse(line.slice(6));
      if (report.stage === 'memory') row.memory.peakRssMb = report.peakRssMb;
      else {
        row.stages.push(report);
        console.log(`  node: ${describe(report)}`);
      }
    }
  });
  const timer = setTimeout(() => {
    row.ended = `stopped after the ${budgetMs / 1000} s budget`;
    child.kill('SIGKILL');
  }, budgetMs);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      row.memory = { ...memory.stop(), ...row.memory };
      if (code !== 0 && !row.ended) row.ended = `exited with code ${code}`;
      row.seconds = (performance.now() - started) / 1000;
      resolve(row);
    });
  });
}

async function runBrowser(
  runtime: 'wasm' | 'webgpu',
  modelUrl: string,
  options: BenchOptions,
  budgetMs: number,
  server: Awaited<ReturnType<typeof startDevServer>>,
): Promise<RuntimeRow> {
  const started = performance.now();
  const browser = await launchChromium();
  const row: RuntimeRow = { runtime, stages: [], memory: {}, seconds: 0 };
  const memory = samplePeak(() => {
    const m = chromiumPss(browser.userDataDir);
    return { rendererPssMb: m.rendererMb, gpuPssMb: m.gpuMb, browserPssMb: m.totalMb };
  });
  try {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => console.error(`  ${runtime} page error: ${e.message}`));
    await page.exposeFunction('benchStage' satisfies keyof DecoderLoopWindow, (report: StageReport) => {
      row.stages.push(report);
      console.log(`  ${runtime}: ${describe(report)}`);
    });
    const loop = await openHarness<DecoderLoopHarness>(page, `${server.url}/tests/pages/decoder-loop.html`);
    const run = loop.bench(modelUrl, runtime, options);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const budget = new Promise<'budget'>((resolve) => (timer = setTimeout(() => resolve('budget'), budgetMs)));
    const outcome = await Promise.race([
      run.then(
        () => 'done' as const,
        (e: Error) => e,
      ),
      budget,
    ]);
    clearTimeout(timer);
    if (outcome === 'budget') row.ended = `stopped after the ${budgetMs / 1000} s budget`;
    else if (outcome instanceof Error) row.ended = `failed: ${outcome.message.split('\n')[0]}`;
  } finally {
    row.memory = memory.stop();
    await browser.close();
    row.seconds = (performance.now() - started) / 1000;
  }
  return row;
}

function describe(r: StageReport): string {
  switch (r.stage) {
    case 'load':
      return `loaded in ${(r.ms / 1000).toFixed(1)} s (KV cache ${r.kvInPlace ? 'in place' : 'grown per step'})`;
    case 'prefill':
      return `${r.frames ? `${r.frames} frames: vision ${r.visionMsPerFrame.toFixed(0)} ms/frame` : 'text only'}; ${r.promptTokens}-token prompt prefilled at ${r.prefillTokensPerSecond.toFixed(1)} tok/s in ${r.chunks} chunks; TTFT ${(r.ttftMs / 1000).toFixed(1)} s`;
    case 'rewatch':
      return `re-watch of ${r.frames} frames (${r.tokens} tokens appended): ${(r.ms / 1000).toFixed(1)} s (vision ${(r.visionMs / 1000).toFixed(1)} s, prefill ${(r.prefillMs / 1000).toFixed(1)} s)`;
    case 'evidence':
      return `evidence check over ${r.frames} frames (cold): ${(r.ms / 1000).toFixed(1)} s, score ${r.score.toFixed(3)}`;
    case 'decode':
      return `decode at ${r.context} tokens: ${r.msPerToken.toFixed(1)} ms/token; KV tensors handed back per step ${r.runtimeKvTensorsPerStep}${
        Object.keys(r.probe).length
          ? `; per step ${Object.entries(r.probe)
              .map(([k, v]) => `${k} ${Math.round(v)}`)
              .join(', ')}`
          : ''
      }`;
  }
}

function table(rows: RuntimeRow[], contexts: number[]): string {
  const cell = (v: number | undefined, digits = 1) =>
    v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
  const header = [
    'runtime',
    'load s',
    'peak memory MB',
    'vision ms/frame',
    'prefill tok/s',
    'TTFT s',
    ...contexts.map((c) => `decode ms/tok @${c}`),
    'KV tensors/step',
    'GPU storage buffers/step',
  ];
  const lines = [header.join(' | '), header.map(() => '---').join(' | ')];
  for (const row of rows) {
    const load = row.stages.find((s) => s.stage === 'load');
    const prefill = row.stages.find((s) => s.stage === 'prefill');
    const decode = contexts.map((c) => row.stages.find((s) => s.stage === 'decode' && s.context === c));
    const lastDecode = decode.filter(Boolean).at(-1);
    const memory =
      row.runtime === 'node'
        ? `${cell(row.memory.peakRssMb, 0)} RSS`
        : `${cell(row.memory.browserPssMb, 0)} PSS (renderer ${cell(row.memory.rendererPssMb, 0)}, GPU ${cell(row.memory.gpuPssMb, 0)})`;
    lines.push(
      [
        row.runtime + (row.ended ? ` (${row.ended})` : ''),
        cell(load && load.stage === 'load' ? load.ms / 1000 : undefined),
        memory,
        cell(prefill?.stage === 'prefill' ? prefill.visionMsPerFrame : undefined, 0),
        cell(prefill?.stage === 'prefill' ? prefill.prefillTokensPerSecond : undefined),
        cell(prefill?.stage === 'prefill' ? prefill.ttftMs / 1000 : undefined),
        ...decode.map((d) => cell(d?.stage === 'decode' ? d.msPerToken : undefined)),
        cell(lastDecode?.stage === 'decode' ? lastDecode.runtimeKvTensorsPerStep : undefined, 0),
        cell(lastDecode?.stage === 'decode' ? lastDecode.probe.storageBuffers : undefined, 0),
      ].join(' | '),
    );
  }
  return lines.join('\n');
}

const USAGE =
  'usage: npm run bench:infer -- --preset 0.5b|3b|7b [--dtype q4|q4f16] [--runtime node|wasm|webgpu ...] [--frames 16] [--contexts 1024,4096,12288] [--steps 5] [--chunk 512] [--budget-s 1800] [--json <file>] [--reconvert] [--compare-logits] [--rewatch-frames 16]';

try {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string' },
      dtype: { type: 'string', default: 'q4' },
      runtime: { type: 'string', multiple: true },
      frames: { type: 'string', default: '16' },
      contexts: { type: 'string', default: '1024,4096,12288' },
      steps: { type: 'string', default: '5' },
      chunk: { type: 'string', default: '512' },
      'budget-s': { type: 'string', default: '1800' },
      json: { type: 'string' },
      reconvert: { type: 'boolean', default: false },
      'compare-logits': { type: 'boolean', default: false },
      'rewatch-frames': { type: 'string', default: '0' },
    },
  });
  if (!values.preset || !(values.preset in PRESETS) || !isDtype(values.dtype!)) throw new TypeError(USAGE);
  const runtimes = (values.runtime ?? [...RUNTIMES]) as Runtime[];
  if (!runtimes.every((r) => (RUNTIMES as readonly string[]).includes(r))) throw new TypeError(USAGE);
  const options: BenchOptions = {
    dtype: values.dtype as ModelDtype,
    frames: Number(values.frames),
    contexts: values.contexts!.split(',').map(Number),
    steps: Number(values.steps),
    prefillChunk: Number(values.chunk),
    keepLogits: values['compare-logits'],
    rewatchFrames: Number(values['rewatch-frames']),
  };
  const budgetMs = Number(values['budget-s']) * 1000;
  mkdirSync(BENCH_MODELS_DIR, { recursive: true });
  const model = await syntheticModel(
    BENCH_MODELS_DIR,
    values.preset as PresetName,
    options.dtype,
    referenceModelDir(referenceModels()[0]),
    values.reconvert,
  );
  const rows: RuntimeRow[] = [];
  const server = runtimes.some((r) => r !== 'node') ? await startDevServer() : null;
  try {
    for (const runtime of runtimes) {
      console.log(`${runtime}:`);
      const modelUrl = `/models/bench-models/${values.preset}-${options.dtype}/`;
      rows.push(
        runtime === 'node'
          ? await runNode(model, options, budgetMs)
          : await runBrowser(runtime, modelUrl, options, budgetMs, server!),
      );
    }
  } finally {
    await server?.server.close();
  }
  console.log(
    `\nbench:infer, preset ${values.preset}, ${options.dtype}, ${options.frames} frames, prefill chunks of ${options.prefillChunk}, ${options.steps} decode steps per context\n`,
  );
  console.log(table(rows, options.contexts));
  const node = rows.find((r) => r.runtime === 'node');
  const wasm = rows.find((r) => r.runtime === 'wasm');
  if (node && wasm) {
    for (const c of options.contexts) {
      const [n, w] = [node, wasm].map((r) => r.stages.find((s) => s.stage === 'decode' && s.context === c));
      if (n?.stage === 'decode' && w?.stage === 'decode')
        console.log(`WASM / onnxruntime-node decode speed at ${c}: ${(n.msPerToken / w.msPerToken).toFixed(2)}`);
    }
    const [np, wp] = [node, wasm].map((r) => r.stages.find((s) => s.stage === 'prefill'));
    if (np?.stage === 'prefill' && wp?.stage === 'prefill')
      console.log(
        `WASM / onnxruntime-node prefill speed: ${(wp.prefillTokensPerSecond / np.prefillTokensPerSecond).toFixed(2)}`,
      );
  }
  // The same files and prompt on every runtime: their first logits should agree up to float rounding.
  const firstLogits = rows.flatMap((r) =>
    r.stages.flatMap((s) =>
      s.stage === 'prefill' && s.logits ? [{ runtime: r.runtime, logits: s.logits, token: s.firstToken }] : [],
    ),
  );
  for (let i = 1; i < firstLogits.length; i++) {
    const [a, b] = [firstLogits[0], firstLogits[i]];
    let maxAbs = 0;
    let scale = 0;
    for (let k = 0; k < a.logits.length; k++) {
      maxAbs = Math.max(maxAbs, Math.abs(a.logits[k] - b.logits[k]));
      scale = Math.max(scale, Math.abs(a.logits[k]));
    }
    console.log(
      `first logits, ${b.runtime} vs ${a.runtime}: max-abs ${maxAbs.toExponential(2)} (largest |logit| ${scale.toFixed(2)}); first token ${b.token} vs ${a.token}`,
    );
  }
  for (const row of rows) for (const s of row.stages) if (s.stage === 'prefill') delete s.logits;
  const json = values.json ?? join(BENCH_MODELS_DIR, `infer-${values.preset}-${options.dtype}.json`);
  writeFileSync(
    json,
    `${JSON.stringify({ preset: values.preset, options, rows, date: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(`\nJSON: ${json}`);
} catch (e) {
  console.error(`bench:infer: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
