/**
 * Decodes only the planned frames of a video (the main frame plan here, a re-watched clip's times in
 * extract-times.ts; both through decodeFrames), in one forward pass over their sorted times (mediabunny's
 * samplesAtTimestamps decodes each packet at most once and skips whole groups of pictures that hold no planned
 * frame), and brings each to the model's RGB input. Memory stays bounded: mediabunny keeps at most a handful
 * of decoded frames queued ahead of this loop, each is closed as soon as its pixels are copied out, and at
 * most a few copies wait for conversion.
 */
import { EncodedPacketSink, VideoSampleSink, type InputVideoTrack, type VideoSample } from 'mediabunny';
import { AppError } from '../../src/lib/protocol/app-error.ts';
import type {
  ExtractedFrames,
  ExtractOptions,
  ExtractProgress,
  FrameSizeOptions,
  FramesErrorKind,
  VideoInfo,
} from '../../src/lib/protocol/frames-protocol.ts';
import { smartResize } from '../../src/lib/preprocess/smart-resize.ts';
import { planFrames, type FramePlan } from '../../src/lib/preprocess/video-sampling.ts';
import { classifyReadError } from './classify-error.ts';
import type { ConvertPool } from './convert-pool.ts';
import { frameToRgb } from './frame-to-rgb.ts';
import { openVideo } from './open-video.ts';

/**
 * A frame whose container timestamp lies up to this fraction of a frame after the planned time still counts
 * as "at" it: planned times are index / fps in floating point, container times are rounded to the
 * timescale, and either may land a hair to the other side.
 */
const TIMESTAMP_TOLERANCE_FRAMES = 0.25;

/** Counts the decoded frames this worker holds, so tests can see that every one gets closed. */
export interface FrameCounter {
  open: number;
}

/**
 * Why no frame came for a time inside the video. The container's index lists a packet there, but: its bytes
 * cannot be read (the file ends early: a cut-off download), or they hold no decodable picture (corrupt data).
 */
async function missingFrameError(
  track: InputVideoTrack,
  queryTime: number,
  plannedTime: number,
): Promise<AppError<FramesErrorKind>> {
  const at = `${plannedTime.toFixed(2)} s`;
  const packets = new EncodedPacketSink(track);
  const listed = await packets.getPacket(queryTime, { metadataOnly: true });
  const readable = listed && (await packets.getPacket(queryTime).catch(() => null));
  if (listed && !readable) {
    return new AppError(
      'truncated',
      `The file is truncated: its video data stops before ${at} (an incomplete download or copy?).`,
    );
  }
  return new AppError('decode-failed', `The video data at ${at} is damaged: no picture could be decoded there.`);
}

/** What one decode needs besides the file: its cancel signal, the open-frame counter, the converters, progress. */
export interface DecodeJob {
  signal: AbortSignal;
  counter: FrameCounter;
  pool: ConvertPool;
  onProgress?: (p: ExtractProgress) => void;
}

/** Frames decoded at planned times (what ExtractedFrames and ExtractedTimes share). */
export type DecodedFrames = Pick<
  ExtractedFrames,
  'info' | 'width' | 'height' | 'frames' | 'timestamps' | 'plannedTimes'
>;

/**
 * Opens `file`, asks `plan` for the times to decode (seconds from the first frame, ascending; it may throw an
 * AppError), and decodes the frame at each (the last one starting at or before it), brought to the smart_resize
 * size of `options`. The loop both extractFrames and extract-times.ts extractTimes run.
 */
export async function decodeFrames(
  file: Blob,
  options: FrameSizeOptions,
  job: DecodeJob,
  plan: (info: VideoInfo) => number[],
): Promise<DecodedFrames> {
  const { signal, counter, pool, onProgress } = job;
  const cancelled = new Promise<never>((_, reject) => {
    const abort = () => reject(new AppError('cancelled', 'Frame extraction was cancelled.'));
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
  cancelled.catch(() => {}); // only ever observed through Promise.race below

  const video = await openVideo(file);
  try {
    if (signal.aborted) await cancelled;
    const { info, firstTimestamp } = video;
    const times = plan(info);
    const count = times.length;
    const size = smartResize(info.height, info.width, { minPixels: options.minPixels, maxPixels: options.maxPixels });
    const toRgb = frameToRgb(
      options.resize ?? 'bicubic',
      size.width,
      size.height,
      await video.track.getColorSpace(),
      pool,
    );
    const tolerance = TIMESTAMP_TOLERANCE_FRAMES / info.fps;
    const queryTimes = times.map((t) => firstTimestamp + t + tolerance);

    const frames = new Array<Uint8Array>(count);
    const timestamps: number[] = [];
    // Frames still converting, oldest first; bounded, so decoding never runs far ahead of conversion.
    const converting: Promise<void>[] = [];
    let converted = 0;
    const samples = new VideoSampleSink(video.track).samplesAtTimestamps(queryTimes);
    let pending: Promise<IteratorResult<VideoSample | null>> | null = null;
    try {
      for (let i = 0; i < count; i++) {
        pending = samples.next();
        const next = await Promise.race([pending, cancelled]);
        pending = null;
        if (next.done) throw new AppError('decode-failed', `The decoder stopped after ${i} of ${count} frames.`);
        const sample = next.value;
        if (!sample) throw await missingFrameError(video.track, queryTimes[i], times[i]);
        counter.open++;
        let taken;
        try {
          taken = await toRgb(sample);
          timestamps.push(sample.timestamp - firstTimestamp);
        } finally {
          sample.close();
          counter.open--;
        }
        const job = taken.rgb.then((rgb) => {
          frames[i] = rgb;
          onProgress?.({ done: ++converted, total: count });
        });
        job.catch(() => {}); // awaited below; this only keeps a failure from counting as unhandled meanwhile
        converting.push(job);
        if (converting.length > pool.size + 1) await Promise.race([converting.shift()!, cancelled]);
        if (signal.aborted) await cancelled;
      }
      await Promise.race([Promise.all(converting), cancelled]);
    } catch (error) {
      throw classifyReadError(error);
    } finally {
      // A next() that lost the race to cancel may still deliver a frame: close it when it lands.
      pending?.then(
        (r) => r.value?.close(),
        () => {},
      );
      await samples.return();
    }
    return { info, width: size.width, height: size.height, frames, timestamps, plannedTimes: times };
  } finally {
    video[Symbol.dispose]();
  }
}

/** The planned frames of a video (src/lib/preprocess/video-sampling.ts planFrames), decoded. */
export async function extractFrames(file: Blob, options: ExtractOptions, job: DecodeJob): Promise<ExtractedFrames> {
  let plan: FramePlan | undefined;
  const decoded = await decodeFrames(file, options, job, (info) => {
    try {
      plan = planFrames({
        duration: info.duration,
        videoFps: info.fps,
        fps: options.fps,
        maxFrames: options.maxFrames,
      });
    } catch (error) {
      if (error instanceof RangeError)
        throw new AppError('empty', `The video is too short to sample: ${error.message}.`);
      throw error;
    }
    return plan.times;
  });
  return { ...decoded, sampleFps: plan!.sampleFps, secondPerGridT: plan!.secondPerGridT };
}
