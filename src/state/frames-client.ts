/**
 * The main thread's handle on the frames worker: owns the worker, turns its failure values into AppError
 * (app-error.ts), and lets the latest request win (a new extract cancels the one still running, whose promise
 * then rejects with kind 'cancelled' and whose progress stops being reported). Decodes at given times
 * (re-watched clips) are outside that rule: an extract does not cancel them, nor they an extract.
 */
import { proxy, wrap, type Remote } from 'comlink';
import { AppError, valueOf } from '../lib/protocol/app-error.ts';
import type {
  ExtractedFrames,
  ExtractedTimes,
  ExtractOptions,
  ExtractProgress,
  FrameSizeOptions,
  FramesApi,
  VideoFacts,
  VideoInfo,
} from '../lib/protocol/frames-protocol.ts';

export class FramesClient {
  readonly #worker: Worker;
  readonly #api: Remote<FramesApi>;
  #latest = 0;
  #running = 0;

  constructor() {
    this.#worker = new Worker(new URL('../../workers/frames/frames.worker.ts', import.meta.url), {
      type: 'module',
      name: 'frames',
    });
    this.#api = wrap<FramesApi>(this.#worker);
  }

  /** Container facts (duration, size, rotation, codec, fps) without decoding. @throws AppError of a FramesErrorKind */
  async probe(file: Blob): Promise<VideoInfo> {
    return valueOf(await this.#api.probe(file));
  }

  /** What of `file` can be read and decoded (never a failure: the facts say what is wrong). */
  async inspect(file: Blob): Promise<VideoFacts> {
    return this.#api.inspect(file);
  }

  /**
   * Decodes the planned frames of `file`. Supersedes any extract still running.
   * @throws AppError of a FramesErrorKind (kind 'cancelled' when superseded or cancelled)
   */
  async extract(
    file: Blob,
    options: ExtractOptions,
    onProgress?: (p: ExtractProgress) => void,
  ): Promise<ExtractedFrames> {
    const id = ++this.#latest;
    if (this.#running > 0) await this.#api.cancel('extract');
    this.#running++;
    try {
      const report = proxy((p: ExtractProgress) => {
        if (id === this.#latest) onProgress?.(p);
      });
      return valueOf(await this.#api.extract(file, options, report));
    } finally {
      this.#running--;
    }
  }

  /**
   * Decodes the frame at each of `times` (seconds, ascending) at the smart_resize size of `options`. Aborting
   * `signal` cancels the decodes at given times that are running (there is one at a time: a run's clips are
   * decoded one after the other).
   * @throws AppError of a FramesErrorKind (kind 'cancelled' when aborted)
   */
  async extractTimes(
    file: Blob,
    times: number[],
    options: FrameSizeOptions,
    signal?: AbortSignal,
  ): Promise<ExtractedTimes> {
    if (signal?.aborted) throw new AppError('cancelled', 'Frame extraction was cancelled.');
    const abort = () => void this.#api.cancel('times');
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return valueOf(await this.#api.extractTimes(file, times, options));
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Cancels the running extract and decodes at given times, if any. */
  async cancel(): Promise<void> {
    await this.#api.cancel();
  }

  /** Decoded frames the worker holds right now (0 when idle); for leak tests. */
  async openFrames(): Promise<number> {
    return this.#api.openFrames();
  }

  /** Stops the worker. Idempotent. */
  dispose(): void {
    this.#worker.terminate();
  }
}
