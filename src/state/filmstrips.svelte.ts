/**
 * Thumbnails of the frames a grounded re-watch showed the model (trace-evidence.ts RewatchEvidence `times`),
 * decoded from the open video by the frames worker at a small size, for the filmstrips under the trace's
 * action steps. An imported trace stores only the times; its frames appear once its video is open.
 */
import { AppError } from '../lib/protocol/app-error.ts';
import type { FramesClient } from './frames-client.ts';

/**
 * Pixel budget of a thumbnail (smart_resize, min = max): 16 patches of 28x28, e.g. 112x84 for 4:3. Drawn
 * by the browser's canvas ('canvas' resize): a thumbnail is for a person, not the model.
 */
export const THUMBNAIL_PIXELS = 16 * 28 * 28;

/** One decoded thumbnail: RGB uint8 [height][width][3]. */
export interface Thumbnail {
  /** The planned time, seconds. */
  time: number;
  width: number;
  height: number;
  rgb: Uint8Array;
}

export type Strip =
  { status: 'loading' } | { status: 'ready'; thumbnails: Thumbnail[] } | { status: 'failed'; message: string };

const stripKey = (times: readonly number[]) => times.join(',');

export class FilmstripState {
  readonly #frames: FramesClient;
  readonly #video: () => Blob | null;
  /** Strips of the video in #decodedFrom, by their times. */
  #strips = $state.raw(new Map<string, Strip>());
  #decodedFrom = $state.raw<Blob | null>(null);

  constructor(frames: FramesClient, video: () => Blob | null) {
    this.#frames = frames;
    this.#video = video;
  }

  /** True when a video is open to decode thumbnails from. */
  get hasVideo(): boolean {
    return this.#video() !== null;
  }

  /** The strip of these times in the open video; undefined until `load` is asked for it. */
  strip(times: readonly number[]): Strip | undefined {
    return this.#video() === this.#decodedFrom ? this.#strips.get(stripKey(times)) : undefined;
  }

  /** Decodes the thumbnails of `times` from the open video, once per video (a new video starts afresh). */
  async load(times: readonly number[]): Promise<void> {
    const video = this.#video();
    if (!video || !times.length) return;
    if (video !== this.#decodedFrom) {
      this.#decodedFrom = video;
      this.#strips = new Map();
    }
    const key = stripKey(times);
    if (this.#strips.has(key)) return;
    this.#set(key, { status: 'loading' });
    this.#set(key, await this.#decode(video, times), video);
  }

  async #decode(video: Blob, times: readonly number[]): Promise<Strip> {
    // The worker decodes in one forward pass over ascending, distinct times.
    const distinct = [...new Set(times)].sort((a, b) => a - b);
    const options = { minPixels: THUMBNAIL_PIXELS, maxPixels: THUMBNAIL_PIXELS, resize: 'canvas' } as const;
    for (let attempt = 0; ; attempt++) {
      try {
        const { width, height, frames } = await this.#frames.extractTimes(video, distinct, options);
        return {
          status: 'ready',
          thumbnails: times.map((time) => ({ time, width, height, rgb: frames[distinct.indexOf(time)] })),
        };
      } catch (e) {
        // A run's Stop cancels every decode at given times, thumbnails included: try once more.
        if (e instanceof AppError && e.kind === 'cancelled' && attempt === 0) continue;
        return { status: 'failed', message: (e as Error).message };
      }
    }
  }

  /** Stores a strip, unless `video` (when given) is no longer the one the strips are of. */
  #set(key: string, strip: Strip, video?: Blob) {
    if (video && video !== this.#decodedFrom) return;
    this.#strips = new Map(this.#strips).set(key, strip);
  }
}
