/**
 * Page side of tests/e2e/frames.test.ts: drives src/state/frames-client.ts as `window.harness`; frame content
 * is read here (only the decoded frame codes cross back to Node, not the pixels).
 */
import { AppError, type Failure } from '../../src/lib/protocol/app-error.ts';
import type {
  ExtractedFrames,
  ExtractOptions,
  FramesErrorKind,
  VideoFacts,
  VideoInfo,
} from '../../src/lib/protocol/frames-protocol.ts';
import { FramesClient } from '../../src/state/frames-client.ts';
import { readFrameCode } from '../support/frame-code.ts';
import { setHarness } from '../support/harness.ts';

/** A settled extract, reduced to what the test compares; `progress`: each progress report's frames done. */
export type Settled =
  | {
      ok: true;
      info: VideoInfo;
      width: number;
      height: number;
      timestamps: number[];
      plannedTimes: number[];
      sampleFps: number;
      secondPerGridT: number;
      /** Whether every frame has width * height * 3 bytes. */
      sizesOk: boolean;
      /** The frame index each frame shows (frame-code.ts), null when unreadable. */
      codes: (number | null)[];
      progress: number[];
    }
  | (Failure<FramesErrorKind> & { progress: number[] });

/** A settled probe. */
export type Probed = { ok: true; info: VideoInfo } | Failure<FramesErrorKind>;

const client = new FramesClient();

async function load(url: string): Promise<File> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new File([await response.blob()], url.split('/').pop()!);
}

/** The client's failure as a value; anything else (a bug) still throws. */
function failure(error: unknown): Failure<FramesErrorKind> {
  // FramesClient throws AppErrors of a FramesErrorKind only.
  if (error instanceof AppError) return { ok: false, kind: error.kind as FramesErrorKind, message: error.message };
  throw error;
}

async function settle(promise: Promise<ExtractedFrames>, progress: number[]): Promise<Settled> {
  try {
    const r = await promise;
    return {
      ok: true,
      info: r.info,
      width: r.width,
      height: r.height,
      timestamps: r.timestamps,
      plannedTimes: r.plannedTimes,
      sampleFps: r.sampleFps,
      secondPerGridT: r.secondPerGridT,
      sizesOk: r.frames.every((f) => f.length === r.width * r.height * 3),
      codes: r.frames.map((f) => readFrameCode(f, r.width, r.height)),
      progress,
    };
  } catch (error) {
    return { ...failure(error), progress };
  }
}

const harness = {
  async probe(url: string): Promise<Probed> {
    try {
      return { ok: true, info: await client.probe(await load(url)) };
    } catch (error) {
      return failure(error);
    }
  },
  /** What the worker finds on opening the file (the facts the page's verdict is made from). */
  inspect: async (url: string): Promise<VideoFacts> => client.inspect(await load(url)),
  async extract(url: string, options: ExtractOptions): Promise<Settled> {
    const progress: number[] = [];
    return settle(
      client.extract(await load(url), options, (p) => progress.push(p.done)),
      progress,
    );
  },
  /** Cancels once `after` frames are done. */
  async extractThenCancel(url: string, options: ExtractOptions, after: number): Promise<Settled> {
    const progress: number[] = [];
    const file = await load(url);
    return settle(
      client.extract(file, options, (p) => {
        progress.push(p.done);
        if (p.done === after) void client.cancel();
      }),
      progress,
    );
  },
  /** Starts an extract of `first`, then one of `second` before the first is done: the second must win. */
  async supersede(first: string, second: string, options: ExtractOptions): Promise<{ older: Settled; newer: Settled }> {
    const [a, b] = [await load(first), await load(second)];
    const older = settle(client.extract(a, options), []);
    const newer = settle(client.extract(b, options), []);
    return { older: await older, newer: await newer };
  },
  /** Decoded frames the worker holds right now. */
  openFrames: (): Promise<number> => client.openFrames(),
};

export type FramesHarness = typeof harness;
setHarness(harness);
