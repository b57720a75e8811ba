/**
 * The frame plan of a re-watch: which frames of the video to show the model again for a time or range it
 * cited in an `<action>` (issue 10's grounded re-watch). Denser than the main plan (video-sampling.ts): up to
 * {@link CLIP_MAX_FRAMES} frames at up to {@link CLIP_MAX_FPS} fps across the range, spread the way the main
 * plan spreads its frames (torch's float32 linspace over the range's frame indices), an even count for
 * Qwen2.5-VL's temporal patch of 2 frames, and the clip's real sample rate for M-RoPE's time scaling.
 */

import { clampTime, formatTime } from '../trace/timestamps.ts';
import { FRAME_FACTOR, linspaceIndices, secondPerGridT } from './video-sampling.ts';

/** At most this many frames per re-watch (FrameThinker/TimeSearch-R use 8-12, Conan 16). */
export const CLIP_MAX_FRAMES = 16;
/** At most this many frames per second across the cited range. */
export const CLIP_MAX_FPS = 4;
/**
 * A single cited time (`00:05`) is re-watched as a window this many seconds wide centred on it
 * (`00:04-00:06`), shifted inside the video at either end: 2 s gives 8 frames at 4 fps.
 */
export const CLIP_POINT_WINDOW = 2;

/** A cited time (no `end`) or range, seconds (what src/lib/trace/timestamps.ts findTimes returns). */
export interface CitedRange {
  start: number;
  end?: number;
}

/** The video the clip is cut from. */
export interface ClipVideo {
  /** Seconds. */
  duration: number;
  /** Native frame rate of the video track. */
  videoFps: number;
  /** Frames in the video; default `round(duration * videoFps)` as in video-sampling.ts. */
  totalFrames?: number;
}

/** Options of {@link planClip} (defaults: the constants above). */
export interface ClipOptions {
  maxFrames?: number;
  maxFps?: number;
  pointWindow?: number;
}

/** Which frames to decode for a re-watch, and what the model is told about them. */
export interface ClipPlan {
  /** What was cited, as given. */
  cited: CitedRange;
  /** The span re-watched, seconds, inside the video: [start, end] with end > start unless the video is one frame. */
  start: number;
  end: number;
  /** True when the cited time or range reached past the end of the video and was pulled back. */
  clamped: boolean;
  /** For a person, when `clamped`: what was cited and what is shown instead. */
  note?: string;
  /** Number of frames, even (>= 2). */
  count: number;
  /** Native frame indices, ascending; a one-frame span repeats its frame (qwen-vl-utils pads that way). */
  indices: number[];
  /** Start time of each planned frame, seconds. */
  times: number[];
  /** The clip's real rate: count / (frames the span covers) * videoFps, as the main plan's sampleFps. */
  sampleFps: number;
  /** temporal_patch_size / sampleFps (video-sampling.ts secondPerGridT). */
  secondPerGridT: number;
}

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive finite number, got ${value}`);
}

/**
 * Plans the frames of a re-watch of `cited` in `video`.
 * - A range keeps its bounds; a single time becomes a window of `pointWindow` seconds around it.
 * - Anything past the end of the video is pulled back to it (`clamped`, with a `note`); a single time past
 *   the end shows the video's last `pointWindow` seconds.
 * - Frames: the native frames whose start lies in [start, end) (at least one), then
 *   min(maxFrames, floor(span * maxFps), available) of them, floored to an even count; a span of one
 *   native frame repeats it to make the pair.
 * @throws TypeError on a non-finite or negative time, or bad video figures or options.
 */
export function planClip(cited: CitedRange, video: ClipVideo, options: ClipOptions = {}): ClipPlan {
  const { maxFrames = CLIP_MAX_FRAMES, maxFps = CLIP_MAX_FPS, pointWindow = CLIP_POINT_WINDOW } = options;
  const { duration, videoFps } = video;
  requirePositive('duration', duration);
  requirePositive('videoFps', videoFps);
  requirePositive('maxFps', maxFps);
  requirePositive('pointWindow', pointWindow);
  if (!Number.isInteger(maxFrames) || maxFrames < FRAME_FACTOR)
    throw new TypeError(`maxFrames must be an integer >= ${FRAME_FACTOR}, got ${maxFrames}`);
  for (const t of [cited.start, cited.end ?? 0])
    if (!Number.isFinite(t) || t < 0) throw new TypeError(`a cited time must be a finite number >= 0, got ${t}`);
  const totalFrames = video.totalFrames ?? Math.max(1, Math.round(duration * videoFps));

  const fitted = clampTime(cited, duration);
  let start = fitted.start;
  let end = fitted.end ?? fitted.start;
  if (fitted.end === undefined || end - start <= 0) {
    // A point (or an empty range): a window around it, moved inside the video at either end.
    const width = Math.min(pointWindow, duration);
    start = Math.min(Math.max(0, start - width / 2), duration - width);
    end = start + width;
  }

  const last = totalFrames - 1;
  const first = Math.min(last, Math.floor(start * videoFps));
  const after = Math.max(first, Math.min(last, Math.ceil(end * videoFps) - 1));
  const available = after - first + 1;
  const wanted = Math.min(maxFrames, Math.floor((end - start) * maxFps), available);
  const count = Math.max(FRAME_FACTOR, Math.floor(wanted / FRAME_FACTOR) * FRAME_FACTOR);
  const indices =
    available >= count
      ? linspaceIndices(after - first, count).map((i) => i + first)
      : new Array<number>(count).fill(first);
  // As the main plan: a frame's time never reaches the end of the video.
  const latest = (Math.ceil(duration * videoFps) - 1) / videoFps;
  const times = indices.map((i) => Math.min(i / videoFps, latest));
  const sampleFps = (count / available) * videoFps;

  const plan: ClipPlan = {
    cited: { ...cited },
    start,
    end,
    clamped: fitted.clamped,
    count,
    indices,
    times,
    sampleFps,
    secondPerGridT: secondPerGridT(sampleFps),
  };
  if (fitted.clamped) {
    const what =
      cited.end === undefined ? formatTime(cited.start) : `${formatTime(cited.start)}-${formatTime(cited.end)}`;
    plan.note = `${what} is past the end of the video (${formatTime(duration)}); re-watched ${formatTime(start)}-${formatTime(end)} instead`;
  }
  return plan;
}
