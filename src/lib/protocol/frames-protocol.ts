/**
 * The typed surface of workers/frames (called through comlink). Frames cross the thread boundary as
 * transferred typed arrays; nothing here depends on the DOM. Failures come back as values (app-error.ts:
 * an Outcome whose failure has a FramesErrorKind), so the kind survives the worker boundary.
 */
import type { Outcome } from './app-error.ts';

export interface VideoInfo {
  /** Seconds, from the first to the end of the last video frame. */
  duration: number;
  /** Coded size before rotation. */
  codedWidth: number;
  codedHeight: number;
  /** Display size after pixel aspect ratio and rotation (what a person sees). */
  width: number;
  height: number;
  /** Clockwise rotation from the container metadata: 0, 90, 180 or 270. */
  rotation: number;
  /** mediabunny's codec name ('avc', 'hevc', 'vp9', 'av1', ...), null when unknown. */
  codec: string | null;
  /** Frame rate of the video track, measured from its first frames' timestamps. */
  fps: number;
}

/**
 * How a decoded frame is brought to the smart_resize size.
 * - 'bicubic' (the default): the frame is converted to full-size RGB as ffmpeg would (the stream's matrix,
 *   BT.601 when untagged), then resized with antialiased bicubic on the CPU (src/lib/preprocess/image-resize.ts): the
 *   pipeline ReWatch-R1 was trained with (decord/PyAV + torchvision, via qwen-vl-utils). Measured by
 *   `npm run bench:frames` on 192 frames of a 1280x720 H.264 file against ffmpeg's frames resized the
 *   training way: at most 4 uint8 levels apart, mean 0.46, 7.9% of values more than 1 level apart.
 * - 'canvas': drawn into an OffscreenCanvas at the target size by the browser (its own colour conversion,
 *   which takes BT.709 for untagged HD, and its own filter). Cheaper on the CPU (no full-size JavaScript
 *   pass): 37.6 s vs 47.1 s for those 192 frames on a busy 2-core machine, where decoding dominates both.
 *   But mean 7.1 levels and up to 108 apart, 27% of values more than 8 levels: frames the model was not
 *   trained on, hence not the default.
 */
export type FrameResize = 'bicubic' | 'canvas';

export interface ExtractOptions {
  /** Sampling rate in frames per second (ReWatch: 2). */
  fps: number;
  /** Upper bound on frames (ReWatch: 192; configurable up to 768). */
  maxFrames: number;
  /** Pixel budget per frame for smart_resize (ReWatch: min = max = 128*28*28). */
  minPixels: number;
  maxPixels: number;
  /** Default 'bicubic' (see FrameResize). */
  resize?: FrameResize;
}

/** Frames as the model needs them: RGB uint8, row-major [height][width][3], upright, at the smart_resize size. */
export interface ExtractedFrames {
  info: VideoInfo;
  width: number;
  height: number;
  /** One RGB buffer per frame (transferred, not copied). */
  frames: Uint8Array[];
  /**
   * True presentation timestamp of each decoded frame in seconds, counted from the video's first frame: the
   * last frame that starts at or before its planned time.
   */
  timestamps: number[];
  /** The planned sample times the frames were chosen for, seconds (src/lib/preprocess/video-sampling.ts). */
  plannedTimes: number[];
  /** The plan's effective sampling rate: the model's time positions are derived from it. */
  sampleFps: number;
  /**
   * The plan's seconds per temporal grid step (video-sampling.ts' secondPerGridT; the inference worker derives
   * the same from sampleFps and the model's temporal patch size).
   */
  secondPerGridT: number;
}

/** The frame size settings alone: what a decode at given times (extractTimes) takes. */
export type FrameSizeOptions = Pick<ExtractOptions, 'minPixels' | 'maxPixels' | 'resize'>;

/**
 * Frames decoded at given times (a re-watched clip, src/lib/preprocess/rewatch-clip.ts): as ExtractedFrames,
 * `plannedTimes` being the times asked for; the rate is the caller's plan's.
 */
export type ExtractedTimes = Omit<ExtractedFrames, 'sampleFps' | 'secondPerGridT'>;

/** Which running decodes cancel() ends: extracts, extractTimes calls, or (absent) both. */
export type DecodeKind = 'extract' | 'times';

export interface ExtractProgress {
  done: number;
  total: number;
}

/**
 * What the frames worker finds on opening a file (FramesApi.inspect): facts only, never a failure;
 * src/lib/preprocess/video-verdict.ts judges them, with the player's own outcome, into one message.
 */
export interface VideoFacts {
  bytes: number;
  /** The container mediabunny recognised ('MP4', 'WebM', 'Matroska', ...); null when none. */
  container: string | null;
  /** Tracks the container lists: 0 for an MP4 cut off before its index (the moov box, written last). */
  tracks: number;
  audio: boolean;
  /** The primary video track; null when there is none. */
  video: VideoTrackFacts | null;
}

export interface VideoTrackFacts {
  /** mediabunny's codec name ('avc', 'hevc', 'prores', ...); null when it does not know the codec. */
  codec: string | null;
  /** Whether VideoDecoder.isConfigSupported accepts the track's decoder configuration. */
  decoderSupported: boolean;
  /** Duration, size, rotation and rate; null when the track has no frame or no duration. */
  info: VideoInfo | null;
  /** The duration the container's metadata states, seconds; null when it states none. */
  declaredDuration: number | null;
  /**
   * Seconds from the first frame to the end of the last frame whose bytes are in the file: the duration for a
   * whole file, less for one cut off after its index.
   */
  readableUntil: number;
  /** Whether a picture decodes at the first frame and at the last readable keyframe; null when not tried. */
  decodes: { first: boolean; last: boolean } | null;
}

/** Error kinds the UI can switch on to show a specific message. */
export type FramesErrorKind =
  'not-a-video' | 'no-video-track' | 'unsupported-codec' | 'truncated' | 'empty' | 'cancelled' | 'decode-failed';

/** What every FramesApi call resolves to; it never rejects for a bad input. */
export type FramesOutcome<T> = Outcome<T, FramesErrorKind>;

export interface FramesApi {
  probe(file: Blob): Promise<FramesOutcome<VideoInfo>>;
  /** Opens the file and checks what of it can be read and decoded: what the page says on opening a video. */
  inspect(file: Blob): Promise<VideoFacts>;
  extract(
    file: Blob,
    options: ExtractOptions,
    onProgress?: (p: ExtractProgress) => void,
  ): Promise<FramesOutcome<ExtractedFrames>>;
  /**
   * Decodes the frame at each of `times` (seconds from the first frame, ascending: one forward pass) at the
   * smart_resize size of `options`, the last frame starting at or before each time.
   */
  extractTimes(file: Blob, times: number[], options: FrameSizeOptions): Promise<FramesOutcome<ExtractedTimes>>;
  /** Cancels the running decodes of `kind` (default: all); each resolves promptly to a failure of kind 'cancelled'. */
  cancel(kind?: DecodeKind): void;
  /** Decoded frames (VideoSamples) the worker holds right now: 0 whenever no extract runs. For leak tests. */
  openFrames(): number;
}
