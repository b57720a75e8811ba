/**
 * The frame plan: which frames of a video the model sees, following qwen-vl-utils 0.0.11 (`smart_nframes`,
 * then `torch.linspace(0, total - 1, n).round()` as its decord/torchcodec readers do), the pipeline
 * ReWatch-R1 was evaluated with. The indices reproduce torch's float32 linspace bit for bit, because a
 * float64 port differs by one frame in a few places on long videos.
 */

import { roundHalfEven } from './smart-resize.ts';

/** Frames are taken in pairs: Qwen2.5-VL's temporal patch spans 2 frames. */
export const FRAME_FACTOR = 2;

/** The largest `maxFrames` accepted (qwen-vl-utils' FPS_MAX_FRAMES; ReWatch reports 192 and 384). */
export const MAX_FRAMES_LIMIT = 768;

/** Options of {@link planFrames}. */
export interface FramePlanOptions {
  /** Video duration in seconds. */
  duration: number;
  /** Average frame rate of the video track. */
  videoFps: number;
  /**
   * Frames in the video (decord's `len(vr)`); default `round(duration * videoFps)`, rounded because container
   * durations are frame-count / fps up to float noise.
   */
  totalFrames?: number;
  /** Sampling rate (ReWatch: 2). */
  fps?: number;
  /** Upper bound on frames, at most {@link MAX_FRAMES_LIMIT} (ReWatch: 192). Floored to even. */
  maxFrames?: number;
  /** Lower bound on frames (qwen-vl-utils: 4). Ceiled to even. */
  minFrames?: number;
}

/** Which frames to decode, and the timing the model is told about. */
export interface FramePlan {
  /** Number of frames, even. */
  count: number;
  /** Frame indices into the video: distinct, ascending, from 0 to totalFrames - 1. */
  indices: number[];
  /** Start time of each planned frame in seconds (index / videoFps), sorted, always before the end of the video. */
  times: number[];
  /** The effective sampling rate: count / totalFrames * videoFps (not always `fps`: caps and minimums change it). */
  sampleFps: number;
  /**
   * Seconds per temporal grid step = 2 / sampleFps, as qwen-vl-utils hands it to the processor (which stores
   * it as float32; transformers 4.56 then truncates it to an integer, see rope-index.ts).
   */
  secondPerGridT: number;
}

/**
 * Seconds per temporal grid step, temporal_patch_size / sample_fps: what qwen-vl-utils hands the processor as
 * second_per_grid_t. The one place it is computed (the frame plan here, the prompt in workers/inference).
 */
export function secondPerGridT(sampleFps: number, temporalPatchSize = FRAME_FACTOR): number {
  return temporalPatchSize / sampleFps;
}

function requirePositive(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive finite number, got ${value}`);
}

function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new TypeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
}

/** qwen-vl-utils `smart_nframes` for the fps mode: how many frames to take, an even number. */
export function frameCount(
  totalFrames: number,
  videoFps: number,
  fps: number,
  minFrames: number,
  maxFrames: number,
): number {
  const lower = Math.ceil(minFrames / FRAME_FACTOR) * FRAME_FACTOR;
  const upper = Math.floor(maxFrames / FRAME_FACTOR) * FRAME_FACTOR;
  const wanted = (totalFrames / videoFps) * fps; // Python's operation order: total / video_fps * fps
  const n = Math.floor(Math.min(Math.max(wanted, lower), upper, totalFrames) / FRAME_FACTOR) * FRAME_FACTOR;
  if (n < FRAME_FACTOR)
    throw new RangeError(`the video has ${totalFrames} frame(s); at least ${FRAME_FACTOR} are needed`);
  return n;
}

/** Float32 a*b + c with a single rounding, as the compiled (FMA-contracted) torch kernel computes it. */
function fmaF32(a: number, b: number, c: number): number {
  const p = a * b; // exact: both operands are float32 with integer b < 2^24
  const s = p + c;
  // TwoSum: s + err is exactly p + c; err only matters when s sits on a float32 rounding midpoint.
  const bv = s - p;
  const err = p - (s - bv) + (c - bv);
  const r = Math.fround(s);
  if (err === 0 || r === s) return r;
  const other = r + 2 * (s - r);
  if (Math.fround(other) !== other) return r;
  // s is a midpoint: the exact value lies on err's side of it.
  return err > 0 === other > r ? other : r;
}

/**
 * torch.linspace(0, end, n) in float32, then round half-to-even: each value is computed from the nearer end
 * (start + step*i for the first half, end - step*(n-1-i) for the second) with a float32 step.
 */
export function linspaceIndices(end: number, n: number): number[] {
  const last = Math.fround(end);
  const step = n > 1 ? Math.fround(last / (n - 1)) : 0;
  const half = Math.floor(n / 2);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = i < half ? Math.fround(step * i) : fmaF32(-step, n - 1 - i, last);
    out[i] = roundHalfEven(v);
  }
  return out;
}

/**
 * Plans which frames to decode for a video, as qwen-vl-utils would sample it.
 * @throws TypeError naming the option that is missing, non-finite, non-positive or out of range.
 * @throws RangeError when the video has fewer than 2 frames.
 */
export function planFrames(options: FramePlanOptions): FramePlan {
  const { duration, videoFps, fps = 2, maxFrames = 192, minFrames = 4 } = options;
  requirePositive('duration', duration);
  requirePositive('videoFps', videoFps);
  requirePositive('fps', fps);
  requireInteger('maxFrames', maxFrames, FRAME_FACTOR, MAX_FRAMES_LIMIT);
  requireInteger('minFrames', minFrames, 1);
  const totalFrames = options.totalFrames ?? Math.max(1, Math.round(duration * videoFps));
  requireInteger('totalFrames', totalFrames, 1);

  const count = frameCount(totalFrames, videoFps, fps, minFrames, maxFrames);
  const indices = linspaceIndices(totalFrames - 1, count);
  // The last frame that starts before the end: keeps times inside the video even if totalFrames overstates it.
  const latest = (Math.ceil(duration * videoFps) - 1) / videoFps;
  const times = indices.map((i) => Math.min(i / videoFps, latest));
  const sampleFps = (count / totalFrames) * videoFps;
  return { count, indices, times, sampleFps, secondPerGridT: secondPerGridT(sampleFps) };
}
