/**
 * Page side of tests/e2e/inference.test.ts and bench:load (models/bench/load-bench.ts): drives
 * src/state/inference.ts (the inference client with its load and run states; and src/state/frames-client.ts
 * for real videos) as `window.harness`. Only results cross back to Node.
 */
import { downloadModel, type DownloadHooks } from '../../src/io/model-download.ts';
import type { ExtractOptions } from '../../src/lib/protocol/frames-protocol.ts';
import type {
  AskResult,
  ChatRequest,
  InferenceErrorKind,
  LoadOptions,
  LoadResult,
  ModelDtype,
  ModelSource,
} from '../../src/lib/protocol/inference-protocol.ts';
import { FramesClient } from '../../src/state/frames-client.ts';
import { Inference } from '../../src/state/inference.ts';
import type { InferenceError } from '../../src/state/inference-client.ts';
import type { LoadStatus } from '../../src/state/model-load.svelte.ts';
import { setHarness } from '../support/harness.ts';
import type { OomMessage, OomPlace } from './inference-oom.ts';

/** The inference worker the client runs: the app's, one without WebGPU, or one that runs out of memory on demand. */
export type WorkerVariant = 'default' | 'no-webgpu' | 'oom';

/** One word for the page's side: generating, else the model's load status. */
export type HarnessStatus = 'generating' | LoadStatus;

/** A call's outcome: the result, or the typed error of the state it failed in ('superseded': it returned null without one). */
export type Settled<T> =
  | { ok: true; result: T; status: HarnessStatus }
  | { ok: false; kind: InferenceErrorKind | 'superseded'; message: string; status: HarnessStatus };

/** The worker of the 'oom' variant (replaced when the client restarts it), for simulateOom. */
let oomWorker: Worker | undefined;
const workers: Record<WorkerVariant, (() => Worker) | undefined> = {
  default: undefined,
  'no-webgpu': () =>
    new Worker(new URL('./inference-no-webgpu.worker.ts', import.meta.url), { type: 'module', name: 'inference' }),
  oom: () =>
    (oomWorker = new Worker(new URL('./inference-oom.worker.ts', import.meta.url), {
      type: 'module',
      name: 'inference',
    })),
};

let inference = new Inference();
const frames = new FramesClient();

const status = (): HarnessStatus => (inference.run.generating ? 'generating' : inference.model.status);

function settle<T>(result: T | null, error: InferenceError | null): Settled<T> {
  if (result) return { ok: true, result, status: status() };
  return { ok: false, kind: error?.kind ?? 'superseded', message: error?.message ?? '', status: status() };
}
const loaded = (result: LoadResult | null): Settled<LoadResult> => settle(result, inference.model.error);
const answered = (result: AskResult | null): Settled<AskResult> => settle(result, inference.run.error);

/** Downloads a model folder into the Cache API as the app does. */
async function download(folderUrl: string, dtype: ModelDtype): Promise<void> {
  const hooks: DownloadHooks = {
    onFiles() {},
    onFile() {},
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  await downloadModel({ name: 'test', folderUrl, dtype, estimatedBytes: 0 }, hooks, new AbortController().signal);
}

const harness = {
  /** Replaces the client (and its worker) with a fresh one on the given worker variant. */
  recreate(variant: WorkerVariant): void {
    inference.dispose();
    inference = new Inference(workers[variant]);
  },
  /** 'oom' variant: the next session creation ('load') or run ('run') runs out of memory. */
  simulateOom(where: OomPlace): void {
    if (!oomWorker) throw new Error("simulateOom: no 'oom' worker (recreate('oom') first)");
    oomWorker.postMessage({ simulateOom: where } satisfies OomMessage);
  },
  /** Whether the page still says a model is loaded. */
  hasModel(): boolean {
    return inference.model.loaded !== null;
  },
  async load(source: ModelSource, options: LoadOptions): Promise<Settled<LoadResult>> {
    return loaded(await inference.model.load(source, options));
  },
  async chat(request: ChatRequest): Promise<Settled<AskResult>> {
    return answered(await inference.run.chat(request));
  },
  /** Calls stop() as soon as the first text arrives; the answer must end early. */
  async chatThenStop(request: ChatRequest): Promise<Settled<AskResult>> {
    let stopped = false;
    const poll = setInterval(() => {
      if (!stopped && inference.run.text.length > 0) {
        stopped = true;
        inference.run.stop();
      }
    }, 0);
    try {
      return answered(await inference.run.chat(request));
    } finally {
      clearInterval(poll);
    }
  },
  /**
   * Calls stop() as soon as the page sees the first prefill progress: the answer must end with no token, its
   * prefill within one chunk of the last one the page had seen.
   */
  async chatStopInPrefill(
    request: ChatRequest & { prefillChunkTokens: number },
  ): Promise<Settled<AskResult> & { chunksSeen: number }> {
    let chunksSeen = 0;
    const poll = setInterval(() => {
      const p = inference.run.progress;
      if (chunksSeen || p?.phase !== 'prefill') return;
      chunksSeen = Math.ceil(p.done / request.prefillChunkTokens);
      inference.run.stop();
    }, 0);
    try {
      return { ...answered(await inference.run.chat(request)), chunksSeen };
    } finally {
      clearInterval(poll);
    }
  },
  download,
  /** Downloads a model folder into the Cache API as the app does, then loads it from there. */
  async downloadThenLoad(folderUrl: string, options: LoadOptions): Promise<Settled<LoadResult>> {
    await download(folderUrl, options.dtype);
    return loaded(await inference.model.load({ kind: 'url', url: folderUrl }, options));
  },
  /** Loads the folder chosen in the harness-folder input, as the panel's folder input does. */
  async loadFromInput(options: LoadOptions): Promise<Settled<LoadResult>> {
    const input = document.querySelector<HTMLInputElement>('[data-testid=harness-folder]')!;
    const files = [...input.files!].map((file) => ({
      path: file.webkitRelativePath.split('/').slice(1).join('/'),
      file,
    }));
    return loaded(await inference.model.load({ kind: 'files', name: 'picked', files }, options));
  },
  /** Loads `paths` of a folder as a picked folder (Blobs), as the folder input gives them. */
  async loadPicked(folderUrl: string, paths: string[], options: LoadOptions): Promise<Settled<LoadResult>> {
    const files: { path: string; file: File }[] = [];
    for (const path of paths) {
      files.push({ path, file: new File([await (await fetch(folderUrl + path)).blob()], path.split('/').pop()!) });
    }
    return loaded(await inference.model.load({ kind: 'files', name: 'picked', files }, options));
  },
  /** Whether weights staged on disk while loading (from a server without range requests) are gone. */
  async stagingEmpty(): Promise<boolean> {
    return !(await caches.keys()).includes('rewatch-staging');
  },
  /** Starts a long chat, then a second one before the first ends: the second must win. */
  async supersede(
    first: ChatRequest,
    second: ChatRequest,
  ): Promise<{ older: AskResult | null; newer: Settled<AskResult> }> {
    const older = inference.run.chat(first);
    while (inference.run.text.length === 0 && status() === 'generating') await new Promise((r) => setTimeout(r, 0));
    const newer = inference.run.chat(second);
    return { older: await older, newer: answered(await newer) };
  },
  /** A video file end to end: the frames worker decodes the planned frames, the inference worker answers. */
  async askVideo(
    url: string,
    extractOptions: ExtractOptions,
    question: string,
    maxNewTokens: number,
  ): Promise<
    Settled<AskResult> & {
      timestamps: number[];
      plannedTimes: number[];
      width: number;
      height: number;
      sampleFps: number;
    }
  > {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const file = new File([await response.blob()], url.split('/').pop()!);
    const extracted = await frames.extract(file, extractOptions);
    // The frames are transferred to the worker (extracted.frames are emptied); the rest stays here.
    const outcome = answered(
      await inference.run.ask({ frames: extracted, duration: extracted.info.duration, question, maxNewTokens }),
    );
    return {
      ...outcome,
      timestamps: extracted.timestamps,
      plannedTimes: extracted.plannedTimes,
      width: extracted.width,
      height: extracted.height,
      sampleFps: extracted.sampleFps,
    };
  },
};

export type InferenceHarness = typeof harness;
setHarness(harness);
