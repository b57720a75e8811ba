/**
 * Page side of scripts/bench-frames.ts. The video is a real File from the page's #video input (set by the
 * script), as when a person drops one, so nothing reads it into memory whole.
 */
import { Qwen2VLImageProcessor, RawImage } from '@huggingface/transformers';
import type { ExtractOptions, VideoInfo } from '../../src/lib/protocol/frames-protocol.ts';
import { resizeRgb } from '../../src/lib/preprocess/image-resize.ts';
import { patchify } from '../../src/lib/preprocess/patchify.ts';
import { FramesClient } from '../../src/state/frames-client.ts';
import { readFrameCode } from '../support/frame-code.ts';
import { setHarness } from '../support/harness.ts';

/** Per-pixel-channel differences, in uint8 levels: the largest, the mean, and the fractions over 1 and over 8. */
export interface FrameDifference {
  max: number;
  mean: number;
  over1: number;
  over8: number;
}

export interface WorkerRun {
  ms: number;
  width: number;
  height: number;
  timestamps: number[];
  plannedTimes: number[];
  /** The frame index each frame shows (frame-code.ts), null when unreadable. */
  codes: (number | null)[];
  diff: FrameDifference;
  /** Decoded frames the worker still held afterwards. */
  openFrames: number;
}

export interface LongRun {
  /** The check made when a file is opened (FramesClient.inspect). */
  inspectMs: number;
  probeMs: number;
  ms: number;
  info: VideoInfo;
  width: number;
  height: number;
  codes: (number | null)[];
}

export interface PreprocessRun {
  oursMs: number;
  theirsMs: number;
  oursShape: number[];
  oursGrid: [number, number, number];
  theirsShape: number[];
  theirsGrid: number[];
  /** Max |ours - theirs| over the pixel values; null when the shapes differ. */
  maxDiff: number | null;
}

/** What Qwen2VLImageProcessor resolves to (the processor is callable, and transformers.js types the call `any`). */
type ImageProcessorOutput = Awaited<ReturnType<Qwen2VLImageProcessor['_call']>>;

const client = new FramesClient();
const file = (): File => (document.getElementById('video') as HTMLInputElement).files![0];

async function fetchFrames(url: string, frameBytes: number): Promise<Uint8Array[]> {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  return Array.from({ length: bytes.length / frameBytes }, (_, i) =>
    bytes.subarray(i * frameBytes, (i + 1) * frameBytes),
  );
}

/** Per-pixel-channel differences of `frames` against `reference` (same size), in uint8 levels. */
function difference(frames: Uint8Array[], reference: Uint8Array[]): FrameDifference {
  let max = 0,
    sum = 0,
    n = 0,
    over1 = 0,
    over8 = 0;
  frames.forEach((f, k) => {
    const r = reference[k];
    for (let i = 0; i < f.length; i++) {
      const d = Math.abs(f[i] - r[i]);
      if (d > max) max = d;
      sum += d;
      if (d > 1) over1++;
      if (d > 8) over8++;
    }
    n += f.length;
  });
  return { max, mean: sum / n, over1: over1 / n, over8: over8 / n };
}

const rgbOf = (rgba: Uint8ClampedArray): Uint8Array => {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
    out[o] = rgba[i];
    out[o + 1] = rgba[i + 1];
    out[o + 2] = rgba[i + 2];
  }
  return out;
};

const harness = {
  /** The frames worker end to end (File in, model-size RGB frames out), against the reference frames. */
  async worker(options: ExtractOptions, referenceUrl: string): Promise<WorkerRun> {
    const started = performance.now();
    const r = await client.extract(file(), options);
    const ms = performance.now() - started;
    const reference = await fetchFrames(referenceUrl, r.width * r.height * 3);
    return {
      ms,
      width: r.width,
      height: r.height,
      timestamps: r.timestamps,
      plannedTimes: r.plannedTimes,
      codes: r.frames.map((f) => readFrameCode(f, r.width, r.height)),
      diff: difference(r.frames, reference),
      openFrames: await client.openFrames(),
    };
  },

  /** Inspect, probe and extract of a long file (bicubic), timed separately. */
  async long(options: ExtractOptions): Promise<LongRun> {
    let started = performance.now();
    await client.inspect(file());
    const inspectMs = performance.now() - started;
    started = performance.now();
    const info = await client.probe(file());
    const probeMs = performance.now() - started;
    started = performance.now();
    const r = await client.extract(file(), options);
    const ms = performance.now() - started;
    return {
      inspectMs,
      probeMs,
      ms,
      info,
      width: r.width,
      height: r.height,
      codes: r.frames.map((f) => readFrameCode(f, r.width, r.height)),
    };
  },

  /** The naive way: seek a <video> to each time and draw it into a canvas at the model size. */
  async naive(times: number[], width: number, height: number): Promise<{ ms: number; codes: (number | null)[] }> {
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(file());
    await new Promise((resolve, reject) => {
      video.onloadeddata = resolve;
      video.onerror = () => reject(video.error);
    });
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
    context.imageSmoothingQuality = 'high';
    const codes: (number | null)[] = [];
    const started = performance.now();
    for (const t of times) {
      const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
      video.currentTime = t;
      await seeked;
      context.drawImage(video, 0, 0, width, height);
      codes.push(readFrameCode(rgbOf(context.getImageData(0, 0, width, height).data), width, height));
    }
    const ms = performance.now() - started;
    URL.revokeObjectURL(video.src);
    return { ms, codes };
  },

  /**
   * Preprocessing of full-size decoded frames into pixel values: ours (resizeRgb + patchify) vs
   * transformers.js' Qwen2VLImageProcessor on RawImages (its frames batch becomes one video grid).
   */
  async preprocess(
    fullUrl: string,
    fullW: number,
    fullH: number,
    width: number,
    height: number,
    processorConfig: Record<string, unknown>,
  ): Promise<PreprocessRun> {
    const full = await fetchFrames(fullUrl, fullW * fullH * 3);
    let started = performance.now();
    const resized = full.map((f) => resizeRgb(f, fullW, fullH, width, height));
    const ours = patchify(resized, width, height);
    const oursMs = performance.now() - started;

    const processor = new Qwen2VLImageProcessor(processorConfig);
    started = performance.now();
    const images = full.map((f) => new RawImage(f, fullW, fullH, 3));
    const theirs: ImageProcessorOutput = await processor(images);
    const theirsMs = performance.now() - started;

    const a = ours.pixelValues,
      b = theirs.pixel_values.data as Float32Array;
    let maxDiff = 0;
    if (a.length === b.length) for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    return {
      oursMs,
      theirsMs,
      oursShape: [ours.pixelValues.length / 1176, 1176],
      oursGrid: ours.grid,
      theirsShape: theirs.pixel_values.dims,
      theirsGrid: Array.from(theirs.image_grid_thw.data as BigInt64Array, Number),
      maxDiff: a.length === b.length ? maxDiff : null,
    };
  },
};

export type FramesBenchHarness = typeof harness;
setHarness(harness);
