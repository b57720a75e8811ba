/**
 * The main thread's handle on the frames worker: owns the worker, turns its failure values into AppError
 * (app-error.ts), and lets the latest request win (a new extract cancels the one still running, whose promise
 * then rejects with kind 'cancelled' and whose progress stops being reported).
 */
import { proxy, wrap, type Remote } from 'comlink';
import { valueOf } from '../lib/protocol/app-error.ts';
import type {
  ExtractedFrames,
  ExtractOptions,
  ExtractProgress,
  FramesApi,
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
    if (this.#running > 0) await this.#api.cancel();
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

  /** Cancels the running extract, if any. */
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
