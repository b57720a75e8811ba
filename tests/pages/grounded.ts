/**
 * Page side of tests/e2e/grounded.test.ts: the app's session state (src/state/session.svelte.ts, no
 * components) with the tiny model loaded on WASM, asking with grounded re-watch and checking evidence. The
 * frames client records each decode at given times (the frames handed to the model for a re-watch), reading
 * each frame's pixel code here; only codes, times and the trace's evidence cross back to Node.
 */
import { wrap } from 'comlink';
import { AppError } from '../../src/lib/protocol/app-error.ts';
import type { ExtractedTimes, FrameSizeOptions, FramesErrorKind } from '../../src/lib/protocol/frames-protocol.ts';
import { FramesClient } from '../../src/state/frames-client.ts';
import { Inference } from '../../src/state/inference.ts';
import { Session } from '../../src/state/session.svelte.ts';
import type { ObservationEvidence, RewatchEvidence } from '../../src/lib/trace/trace-evidence.ts';
import { readFrameCode } from '../support/frame-code.ts';
import { setHarness } from '../support/harness.ts';
import type { EvidenceColdApi } from './evidence-cold.worker.ts';

/** One decode at given times: what was asked, the frame index each decoded frame shows, and how it ended. */
export interface ClipDecode {
  times: number[];
  codes: (number | null)[];
  timestamps: number[];
  width: number;
  height: number;
  outcome: 'ok' | FramesErrorKind;
}

/** The frames client of the app, recording each decode at given times (and keeping its frames). */
class RecordingFrames extends FramesClient {
  decodes: ClipDecode[] = [];
  /** The frames of each decode that succeeded (copies), for the cold evidence score. */
  kept: { width: number; height: number; frames: Uint8Array[] }[] = [];
  /** Called right after each decode at given times has been sent to the worker (e.g. to press Stop). */
  onDecode: (() => void) | null = null;

  override async extractTimes(
    file: Blob,
    times: number[],
    options: FrameSizeOptions,
    signal?: AbortSignal,
  ): Promise<ExtractedTimes> {
    const decode: ClipDecode = { times: times.slice(), codes: [], timestamps: [], width: 0, height: 0, outcome: 'ok' };
    this.decodes.push(decode);
    const pending = super.extractTimes(file, times, options, signal);
    this.onDecode?.();
    try {
      const r = await pending;
      Object.assign(decode, {
        codes: r.frames.map((f) => readFrameCode(f, r.width, r.height)),
        timestamps: r.timestamps,
        width: r.width,
        height: r.height,
      });
      this.kept.push({ width: r.width, height: r.height, frames: r.frames.map((f) => f.slice()) });
      return r;
    } catch (error) {
      decode.outcome = error instanceof AppError ? (error.kind as FramesErrorKind) : 'decode-failed';
      throw error;
    }
  }
}

const frames = new RecordingFrames();
const inference = new Inference();
const session = new Session(frames, inference);
const cold = wrap<EvidenceColdApi>(
  new Worker(new URL('./evidence-cold.worker.ts', import.meta.url), { type: 'module', name: 'evidence-cold' }),
);

async function fetchFile(url: string, type = 'video/mp4'): Promise<File> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new File([await response.blob()], url.split('/').pop()!, { type });
}

/** What a run or check left: the message for a person, the trace and its evidence, the decodes, open frames. */
export interface Outcome {
  message: string;
  raw: string;
  note: string;
  rewatches: RewatchEvidence[];
  evidence: ObservationEvidence[];
  decodes: ClipDecode[];
  openFrames: number;
}

async function outcome(message: string): Promise<Outcome> {
  return {
    message,
    raw: session.trace.raw,
    note: session.trace.note,
    rewatches: session.trace.rewatches,
    evidence: session.trace.evidence,
    decodes: frames.decodes,
    openFrames: await frames.openFrames(),
  };
}

export interface AskOptions {
  question: string;
  forcedPrefix?: string;
  grounded: boolean;
  maxRewatches?: number;
  checkAfterAnswer?: boolean;
  /** Press Stop as soon as the first re-watch's decode has been sent to the frames worker. */
  stopOnDecode?: boolean;
}

const harness = {
  /** Loads an fp32 model folder on WASM; '' or the failure's message. */
  async load(modelUrl: string): Promise<string> {
    const loaded = await inference.model.load({ kind: 'url', url: modelUrl }, { device: 'wasm', dtype: 'fp32' });
    return loaded ? '' : (inference.model.error?.message ?? 'superseded');
  },
  /** Opens a video served by the dev server in the session (as a drop would). */
  async openVideo(url: string): Promise<void> {
    if (!session.openVideo(await fetchFile(url))) throw new Error(session.error);
  },
  /** Asks about the open video with the given grounded settings, as the app's Ask does. */
  async ask(options: AskOptions): Promise<Outcome> {
    const video = session.video!;
    session.grounded.enabled = options.grounded;
    session.grounded.maxRewatches = options.maxRewatches ?? 3;
    session.grounded.checkAfterAnswer = options.checkAfterAnswer ?? false;
    frames.decodes = [];
    frames.kept = [];
    frames.onDecode = options.stopOnDecode ? () => session.stop() : null;
    try {
      const message = await session.run.start({
        file: video.file,
        videoName: video.name,
        question: options.question,
        forcedPrefix: options.forcedPrefix,
      });
      return await outcome(message);
    } finally {
      frames.onDecode = null;
    }
  },
  /** "Check evidence" on the trace on screen; `stopOnDecode`: press Stop once its first clip decode is sent. */
  async checkEvidence(stopOnDecode = false): Promise<Outcome & { running: boolean }> {
    frames.decodes = [];
    frames.kept = [];
    frames.onDecode = stopOnDecode ? () => session.stop() : null;
    try {
      await session.checkEvidence();
    } finally {
      frames.onDecode = null;
    }
    const message = session.error;
    session.dismissError();
    return { ...(await outcome(message)), running: session.evidence.running };
  },
  /** Imports a trace file (the app's JSON or raw model output as .txt), as a drop would. */
  async importTrace(name: string, text: string): Promise<string> {
    await session.importFile(new File([text], name));
    return session.error;
  },
  /** The cold, separate score of `observation` against the frames of the last run's successful decode `index`. */
  coldScore(modelUrl: string, observation: string, index: number, sampleFps: number): Promise<number> {
    return cold.coldScore(modelUrl, observation, { ...frames.kept[index], sampleFps });
  },
  /** A decode at given times straight through the frames client, with an extract running beside it. */
  async extractTimesBesideExtract(
    url: string,
    times: number[],
    size: FrameSizeOptions,
  ): Promise<{ clip: ClipDecode; extracted: number; openFrames: number }> {
    const file = await fetchFile(url);
    frames.decodes = [];
    const extract = frames.extract(file, { fps: 2, maxFrames: 16, ...size });
    await frames.extractTimes(file, times, size);
    const extracted = (await extract).frames.length;
    return { clip: frames.decodes[0], extracted, openFrames: await frames.openFrames() };
  },
};

export type GroundedHarness = typeof harness;
setHarness(harness);
