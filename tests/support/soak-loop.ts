/**
 * The soak: many questions in a row in one page of the real app (tests/pages/app-soak.html), the tiny
 * reference model on WASM, over several ffmpeg-made videos, with video switches, Stops (while frames are read
 * and while the model runs), a new video dropped mid-run and model reloads mixed in. After every run it samples
 * what a leak would grow: the renderer's and GPU process's memory (PSS), the page's JS heap after a garbage
 * collection, the VideoFrames the frames worker still holds, and the workers alive. `npm run soak`
 * (scripts/soak.ts) prints the figures; tests/e2e/soak.test.ts runs a short soak and checks the counts.
 */
import type { CDPSession, Worker } from 'playwright-core';
import makeModelFixtures from '../../scripts/fixtures/models.ts';
import makeVideos, { GOOD_VIDEOS, VIDEO_FIXTURES_URL } from '../../scripts/fixtures/videos.ts';
import { chromiumPss } from '../../models/bench/process-memory.ts';
import type { Interruption, SoakHarness } from '../pages/app-soak.ts';
import { collectConsole, launchChromium, startDevServer, type Page } from './browser.ts';
import { harnessClient, waitForHarness, type HarnessClient } from './harness.ts';
import { TINY_ID, selectEntry, settledStatus } from './model-panel.ts';

export interface SoakStep {
  /** The video the question is about (opened first when another one is in the player). */
  video: string;
  /** Load the model again before asking. */
  reload: boolean;
  interruption: Interruption;
  question: string;
}

const QUESTIONS = [
  'What changes between 00:02 and 00:05? A. colour B. position',
  'Describe what happens in this video.',
  'When does the moving shape first appear? A. at the start B. half way C. at the end',
  'How many distinct scenes are there? A. one B. two C. three',
  'What is shown at 00:01?',
];

/**
 * The order of the soak's runs: the video changes every second run (cycling through `videos`), and in every ten
 * runs one Stop while frames are read, one Stop while the model runs, one new video dropped mid-run and one
 * model reload come in.
 */
export function soakPlan(runs: number, videos: string[]): SoakStep[] {
  const interruptions: Partial<Record<number, Interruption>> = {
    2: 'stop-frames',
    5: 'stop-generating',
    8: 'new-video',
  };
  return Array.from({ length: runs }, (_, i) => ({
    video: videos[Math.floor(i / 2) % videos.length],
    reload: i % 10 === 4,
    interruption: interruptions[i % 10] ?? 'none',
    question: QUESTIONS[i % QUESTIONS.length],
  }));
}

/** The first `count` of the good fixture videos (short clips whose frames carry their index code). */
export function soakVideos(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > GOOD_VIDEOS.length)
    throw new Error(`--videos must be 1 to ${GOOD_VIDEOS.length} (the good fixture videos), not ${count}`);
  return GOOD_VIDEOS.slice(0, count).map((v) => v.file);
}

/** What was measured after one run. */
export interface SoakSample {
  /** 1-based. */
  run: number;
  video: string;
  /** What the run did besides asking (reload, stop, ...), '' for a plain question. */
  action: string;
  seconds: number;
  /** PSS of the renderer process(es): the page and its workers, the model's WASM memory included. */
  rendererMb: number;
  gpuMb: number;
  /** The page's JS heap in use, after a garbage collection. */
  heapMb: number;
  /** VideoFrames the frames worker counts as held (FramesClient.openFrames()) once the run has ended. */
  liveFrames: number;
  /**
   * VideoFrames any VideoDecoder in the frames worker has output and nobody has closed, counted outside the app
   * (decoder queues inside the demuxing library included).
   */
  decodedOpen: number;
  /** Workers alive in the browser (the page's and those they made), from the DevTools protocol. */
  workers: number;
}

/** The app in Chromium, ready for questions. */
export interface Soak {
  page: Page;
  /** The page's console, for printing when something fails. */
  log: string[];
  harness: HarnessClient<SoakHarness>;
  cdp: CDPSession;
  /** The app's frames worker, as the DevTools protocol sees it. */
  framesWorker: Worker;
  /** Chromium's profile folder: it names the browser's processes (chromiumPss). */
  userDataDir: string;
  /** The video in the player ('' before the first). */
  current: string;
  close(): Promise<void>;
}

/** The dev server, a fresh Chromium and the app, with the tiny model loaded on WASM. */
export async function openSoak(): Promise<Soak> {
  await makeModelFixtures();
  await makeVideos();
  const { url, server } = await startDevServer();
  const browser = await launchChromium().catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  const page = await browser.context.newPage();
  const log = collectConsole(page);
  const close = async () => {
    await browser.close();
    await server.close();
  };
  let framesWorker: Worker;
  try {
    await page.goto(`${url}/tests/pages/app-soak.html`);
    await waitForHarness(page);
    framesWorker = await countDecodedFrames(page);
  } catch (error) {
    await close();
    throw error;
  }
  const soak: Soak = {
    page,
    log,
    harness: harnessClient<SoakHarness>(page),
    cdp: await browser.context.newCDPSession(page),
    framesWorker,
    userDataDir: browser.userDataDir,
    current: '',
    close,
  };
  await page.click('summary');
  await page.locator('[data-testid=device-choice]').selectOption('wasm');
  await selectEntry(page, TINY_ID);
  await page.click('summary');
  await reloadModel(soak);
  return soak;
}

/** What countDecodedFrames puts on the frames worker's global scope. */
interface DecodedFramesProbe {
  __decodedOpen: number;
}

/**
 * Counts, in the app's frames worker, the VideoFrames its VideoDecoders output and the closes of those frames:
 * a leak check that does not rely on the app's own bookkeeping. Installed before the first decode (the
 * worker makes its decoders when a video is read). Resolves to the worker.
 */
async function countDecodedFrames(page: Page): Promise<Worker> {
  const isFrames = (w: Worker) => w.url().includes('/workers/frames/frames.worker');
  const worker = page.workers().find(isFrames) ?? (await page.waitForEvent('worker', { predicate: isFrames }));
  await worker.evaluate(() => {
    const scope = globalThis as unknown as DecodedFramesProbe & { VideoDecoder: typeof VideoDecoder };
    const open = new WeakSet<VideoFrame>();
    scope.__decodedOpen = 0;
    const close = VideoFrame.prototype.close;
    VideoFrame.prototype.close = function (this: VideoFrame) {
      if (open.delete(this)) scope.__decodedOpen--;
      close.call(this);
    };
    // Functions here are assigned to properties, not declared or named: the TypeScript transform wraps named
    // ones in a naming helper that does not exist in the worker.
    scope.VideoDecoder = new Proxy(scope.VideoDecoder, {
      construct(target, [init]: [VideoDecoderInit]) {
        const counted = { ...init };
        counted.output = (frame) => {
          open.add(frame);
          scope.__decodedOpen++;
          init.output(frame);
        };
        return new target(counted);
      },
    });
  });
  return worker;
}

/** Loads the selected model (again) from the model drawer and waits until it is ready. */
async function reloadModel(soak: Soak): Promise<void> {
  const { page } = soak;
  await page.click('summary');
  // The status may pass through loading faster than a poll: watch it from before the click.
  await page.evaluate(() => {
    const status = document.querySelector<HTMLElement>('[data-testid=model-status]')!;
    status.dataset.soakLeftReady = 'no';
    new MutationObserver((_, observer) => {
      if (status.dataset.state === 'ready') return;
      status.dataset.soakLeftReady = 'yes';
      observer.disconnect();
    }).observe(status, { attributes: true, attributeFilter: ['data-state'] });
  });
  await page.click(`[data-testid=model-entry][data-id="${TINY_ID}"] [data-testid=model-load]`);
  await page.waitForSelector('[data-testid=model-status][data-soak-left-ready=yes]', { state: 'attached' });
  const status = await settledStatus(page);
  if (!status.startsWith('Ready')) throw new Error(`the model did not load: ${status}`);
  await page.click('summary');
}

async function openVideo(soak: Soak, file: string): Promise<void> {
  await soak.harness.dropVideo(`${VIDEO_FIXTURES_URL}/${file}`, file);
  await soak.page.waitForFunction(
    (name) => document.querySelector('[data-testid=drop-zone] .name')?.textContent === name,
    file,
  );
  soak.current = file;
}

/** One question, cut short as `step` says (a new video dropped mid-run is `next`); resolves when the run has ended. */
async function ask(soak: Soak, step: SoakStep, next: string): Promise<void> {
  const { page } = soak;
  await page.fill('[data-testid=question]', step.question);
  await page.waitForSelector('[data-testid=ask]:not([disabled])');
  const landed = await soak.harness.ask(step.interruption, `${VIDEO_FIXTURES_URL}/${next}`, next);
  const run = `run "${step.question}" on ${step.video}`;
  if (!landed) throw new Error(`${run}: it ended before its interruption (${step.interruption}) could land`);
  if (step.interruption === 'new-video') soak.current = next;
  await page.waitForSelector('[data-testid=stop][disabled]', { state: 'attached', timeout: 240_000 });
  if (await page.isVisible('[data-testid=error]'))
    throw new Error(`${run}: ${await page.textContent('[data-testid=error]')}`);
  // Each interruption ends the run the way a person would see it end.
  const expected: Record<Interruption, [string, RegExp] | null> = {
    none: null,
    'stop-frames': null,
    'stop-generating': ['[data-testid=trace-note]', /^Stopped/],
    'new-video': ['[data-testid=notice]', /was cancelled because a new video was opened/],
  };
  const check = expected[step.interruption];
  if (!check) return;
  const seen = (await page.textContent(check[0])) ?? '';
  if (!check[1].test(seen)) throw new Error(`${run}: after ${step.interruption} the page says "${seen}"`);
}

/**
 * The frames worker's open VideoFrames (its own count, and the decoders' outputs not closed) once they have
 * settled: a cancelled decode closes its frames as it unwinds.
 */
async function settledFrames(soak: Soak): Promise<{ liveFrames: number; decodedOpen: number }> {
  const read = async () => ({
    liveFrames: await soak.harness.openFrames(),
    decodedOpen: await soak.framesWorker.evaluate(() => (globalThis as unknown as DecodedFramesProbe).__decodedOpen),
  });
  let counts = await read();
  for (let i = 0; (counts.liveFrames > 0 || counts.decodedOpen > 0) && i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    counts = await read();
  }
  return counts;
}

async function workerCount(soak: Soak): Promise<number> {
  const { targetInfos } = await soak.cdp.send('Target.getTargets');
  return targetInfos.filter((t) => t.type === 'worker').length;
}

async function sample(soak: Soak): Promise<Omit<SoakSample, 'run' | 'video' | 'action' | 'seconds'>> {
  const frames = await settledFrames(soak);
  await soak.cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await soak.cdp.send('Runtime.getHeapUsage');
  const memory = chromiumPss(soak.userDataDir);
  return {
    rendererMb: memory.rendererMb,
    gpuMb: memory.gpuMb,
    heapMb: usedSize / 2 ** 20,
    ...frames,
    workers: await workerCount(soak),
  };
}

/** Runs `plan` in the soak page, calling `onSample` after each run; resolves to every sample. */
export async function runSoak(
  soak: Soak,
  plan: SoakStep[],
  onSample?: (sample: SoakSample) => void,
): Promise<SoakSample[]> {
  const videos = [...new Set(plan.map((s) => s.video))];
  const samples: SoakSample[] = [];
  for (const [i, step] of plan.entries()) {
    const started = performance.now();
    const actions: string[] = [];
    if (step.reload) {
      await reloadModel(soak);
      actions.push('reload');
    }
    if (step.video !== soak.current) {
      if (soak.current) actions.push('switch');
      await openVideo(soak, step.video);
    }
    const next = videos[(videos.indexOf(step.video) + 1) % videos.length];
    await ask(soak, step, next);
    if (step.interruption !== 'none') actions.push(step.interruption);
    const taken = {
      run: i + 1,
      video: step.video,
      action: actions.join('+'),
      seconds: (performance.now() - started) / 1000,
      ...(await sample(soak)),
    };
    samples.push(taken);
    onSample?.(taken);
  }
  return samples;
}
