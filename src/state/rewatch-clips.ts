/**
 * The re-watched clips of the open video, shared by grounded re-watch (ask-run.svelte.ts) and the evidence
 * check (evidence-run.svelte.ts): each cited time or range is planned with planClip
 * (src/lib/preprocess/rewatch-clip.ts) from the video's duration and frame rate, decoded once by the frames
 * worker at the model's frame size, and kept while the file and the size stay the same.
 */
import { planClip, type CitedRange, type ClipVideo } from '../lib/preprocess/rewatch-clip.ts';
import type { FrameSizeOptions } from '../lib/protocol/frames-protocol.ts';
import type { RewatchClip } from '../lib/protocol/inference-protocol.ts';
import type { FramesClient } from './frames-client.ts';

/** The video clips are cut from: its file, duration and frame rate, and the model's frame size. */
export interface ClipVideoFile {
  file: Blob;
  video: ClipVideo;
  size: FrameSizeOptions;
}

const rangeKey = (cited: CitedRange) => `${cited.start}-${cited.end ?? ''}`;
const sizeKey = (size: FrameSizeOptions) => `${size.minPixels}-${size.maxPixels}-${size.resize ?? 'bicubic'}`;

export class RewatchClips {
  readonly #frames: FramesClient;
  #file: Blob | null = null;
  #size = '';
  #clips = new Map<string, Promise<RewatchClip>>();

  constructor(frames: FramesClient) {
    this.#frames = frames;
  }

  /**
   * The clip of `cited` in `source` (decoded now, or earlier for the same file, size and range; the clips of
   * another file or size are dropped). Aborting `signal` cancels a decode this call started.
   * @throws AppError of a FramesErrorKind ('cancelled' when aborted)
   */
  get(source: ClipVideoFile, cited: CitedRange, signal?: AbortSignal): Promise<RewatchClip> {
    const size = sizeKey(source.size);
    if (source.file !== this.#file || size !== this.#size) {
      this.#file = source.file;
      this.#size = size;
      this.#clips = new Map();
    }
    const key = rangeKey(cited);
    const cached = this.#clips.get(key);
    if (cached) return cached;
    const plan = planClip(cited, source.video);
    const clips = this.#clips;
    const clip = this.#frames
      .extractTimes(source.file, plan.times, source.size, signal)
      .then((decoded): RewatchClip => {
        const { start, end, clamped, note, times, sampleFps } = plan;
        const clip: RewatchClip = {
          start,
          end,
          clamped,
          times,
          sampleFps,
          width: decoded.width,
          height: decoded.height,
          frames: decoded.frames,
        };
        if (note !== undefined) clip.note = note;
        return clip;
      });
    clips.set(key, clip);
    // A failed or cancelled decode is not kept: the next request for the range decodes it again.
    clip.catch(() => {
      if (clips.get(key) === clip) clips.delete(key);
    });
    return clip;
  }
}
