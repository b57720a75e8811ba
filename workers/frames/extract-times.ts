/**
 * Decodes the frames at given times of a video: a re-watched clip's frames (src/lib/preprocess/rewatch-clip.ts
 * planClip's `times`), at the model's input size, through the same decoding loop as the main frame plan
 * (extract-frames.ts decodeFrames).
 */
import type { ExtractedTimes, FrameSizeOptions } from '../../src/lib/protocol/frames-protocol.ts';
import { decodeFrames, type DecodeJob } from './extract-frames.ts';

/** @throws TypeError on no times, or a time that is not finite, negative or earlier than the one before it. */
function checkTimes(times: readonly number[]): void {
  if (times.length === 0) throw new TypeError('extractTimes needs at least one time');
  times.forEach((t, i) => {
    if (!Number.isFinite(t) || t < 0) throw new TypeError(`a frame time must be a finite number >= 0, got ${t}`);
    if (i > 0 && t < times[i - 1]) throw new TypeError(`frame times must be ascending: ${t} after ${times[i - 1]}`);
  });
}

/**
 * The frame at each of `times` (seconds from the first frame), RGB at the smart_resize size of `options`. A
 * time past the end gives the last frame. @throws TypeError (bad times), AppError of a FramesErrorKind
 */
export function extractTimes(
  file: Blob,
  times: number[],
  options: FrameSizeOptions,
  job: DecodeJob,
): Promise<ExtractedTimes> {
  checkTimes(times);
  return decodeFrames(file, options, job, () => times.slice());
}
