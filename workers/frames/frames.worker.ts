/**
 * The frames worker: decodes the planned frames of a video file with WebCodecs (through mediabunny) and hands
 * them over as transferred RGB buffers. Exposed with comlink; src/state/frames-client.ts owns it. A failure of
 * one call (bad file, cancel) leaves nothing behind, so the worker stays usable.
 */
import { expose, releaseProxy, transfer, type Remote } from 'comlink';
import { outcomeOf } from '../../src/lib/protocol/app-error.ts';
import type {
  ExtractedFrames,
  ExtractOptions,
  ExtractProgress,
  FramesApi,
  FramesOutcome,
  VideoInfo,
} from '../../src/lib/protocol/frames-protocol.ts';
import { ConvertPool } from './convert-pool.ts';
import { extractFrames, type FrameCounter } from './extract-frames.ts';
import { openVideo } from './open-video.ts';

class FramesWorker implements FramesApi {
  readonly #running = new Set<AbortController>();
  readonly #counter: FrameCounter = { open: 0 };
  #pool: ConvertPool | null = null;

  async probe(file: Blob): Promise<FramesOutcome<VideoInfo>> {
    return outcomeOf(async () => {
      const video = await openVideo(file);
      video[Symbol.dispose]();
      return video.info;
    });
  }

  async extract(
    file: Blob,
    options: ExtractOptions,
    onProgress?: (p: ExtractProgress) => void,
  ): Promise<FramesOutcome<ExtractedFrames>> {
    const job = new AbortController();
    this.#running.add(job);
    try {
      this.#pool ??= new ConvertPool();
      const pool = this.#pool;
      // Progress reports travel on their own message port: waiting for the last one's reply means the page has
      // seen every report before the result arrives.
      let reported: unknown;
      const report = onProgress && ((p: ExtractProgress) => void (reported = onProgress(p)));
      const result: FramesOutcome<ExtractedFrames> = await outcomeOf(() =>
        extractFrames(file, options, job.signal, this.#counter, pool, report),
      );
      await Promise.resolve(reported).catch(() => undefined);
      return result.ok
        ? transfer(
            result,
            result.value.frames.map((f) => f.buffer),
          )
        : result;
    } finally {
      this.#running.delete(job);
      // The caller's progress callback is a comlink proxy: release its message port.
      if (onProgress) (onProgress as unknown as Remote<unknown>)[releaseProxy]();
    }
  }

  cancel(): void {
    for (const job of this.#running) job.abort();
  }

  openFrames(): number {
    return this.#counter.open;
  }
}

expose(new FramesWorker());
