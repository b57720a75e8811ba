/**
 * The typed surface of workers/frames (called through comlink). Frames cross the thread boundary as
 * transferred typed arrays; nothing here depends on the DOM.
 */

export interface VideoInfo {
  /** Seconds. */
  duration: number;
  /** Coded size before rotation. */
  codedWidth: number;
  codedHeight: number;
  /** Display size after rotation (what a person sees). */
  width: number;
  height: number;
  /** Clockwise rotation from the container metadata: 0, 90, 180 or 270. */
  rotation: number;
  codec: string | null;
  /** Average frame rate of the video track, when the container says. */
  fps: number | null;
}

export interface ExtractOptions {
  /** Sampling rate in frames per second (ReWatch: 2). */
  fps: number;
  /** Upper bound on frames (ReWatch: 192; configurable up to 768). */
  maxFrames: number;
  /** Pixel budget per frame for smart_resize (ReWatch: min = max = 128*28*28). */
  minPixels: number;
  maxPixels: number;
}

/** Frames as the model needs them: RGB uint8, row-major [height][width][3], already at the smart_resize size. */
export interface ExtractedFrames {
  info: VideoInfo;
  width: number;
  height: number;
  /** One RGB buffer per frame (transferred, not copied). */
  frames: Uint8Array[];
  /** True presentation timestamp of each decoded frame, seconds. */
  timestamps: number[];
  /** The planned sample times the frames were chosen for, seconds. */
  plannedTimes: number[];
}

export interface ExtractProgress {
  done: number;
  total: number;
}

/** Error kinds the UI can switch on to show a specific message. */
export type FramesErrorKind = 'not-a-video' | 'no-video-track' | 'unsupported-codec' | 'truncated' | 'empty' | 'cancelled' | 'decode-failed';

export interface FramesApi {
  probe(file: Blob): Promise<VideoInfo>;
  extract(file: Blob, options: ExtractOptions, onProgress?: (p: ExtractProgress) => void): Promise<ExtractedFrames>;
  /** Cancels the running extract; it rejects with kind 'cancelled'. */
  cancel(): void;
}
