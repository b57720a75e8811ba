/**
 * The frames worker: decodes the planned frames of a video file with WebCodecs (through mediabunny) and hands
 * them over as transferred RGB buffers. Exposed with comlink; src/state/frames-client.ts owns it. A failure of
 * one call (bad file, cancel) leaves nothing behind, so the worker stays usable.
 */
import { expose, releaseProxy, transfer, type Remote } from 'comlink';
import { outcomeOf } from '../../src/lib/protocol/app-error.ts';
import type {
  DecodeKind,
  ExtractedFrames,
  ExtractedTimes,
  ExtractOptions,
  ExtractProgress,
  FrameSizeOptions,
  FramesApi,
  FramesOutcome,
  VideoFacts,
  VideoInfo,
} from '../../src/lib/protocol/frames-protocol.ts';
import { ConvertPool } from './convert-pool.ts';
import { extractFrames, type DecodeJob, type DecodedFrames, type FrameCounter } from './extract-frames.ts';
import { extractTimes } from './extract-times.ts';
import { inspectVideo } from './inspect-video.ts';
import { openVideo } from './open-video.ts';

class FramesWorker implements FramesApi {
  readonly #running = new Map<AbortController, DecodeKind>();
  readonly #counter: FrameCounter = { open: 0 };
  #pool: ConvertPool | null = null;

  async probe(file: Blob): Promise<FramesOutcome<VideoInfo>> {
    return outcomeOf(async () => {
      const video = await openVideo(file);
      video[Symbol.dispose]();
      return video.info;
    });
  }

  inspect(file: Blob): Promise<VideoFacts> {
    return inspectVideo(file);
  }

  extract(
    file: Blob,
    options: ExtractOptions,
    onProgress?: (p: ExtractProgress) => void,
  ): Promise<FramesOutcome<ExtractedFrames>> {
    return this.#decode('extract', (job) => extractFrames(file, options, job), onProgress);
  }

  extractTimes(file: Blob, times: number[], options: FrameSizeOptions): Promise<FramesOutcome<ExtractedTimes>> {
    return this.#decode('times', (job) => extractTimes(file, times, options, job));
  }

  /** Runs one decode as a cancellable job of `kind`; its frames are transferred. */
  async #decode<T extends DecodedFrames>(
    kind: DecodeKind,
    work: (job: DecodeJob) => Promise<T>,
    onProgress?: (p: ExtractProgress) => void,
  ): Promise<FramesOutcome<T>> {
    const job = new AbortController();
    this.#running.set(job, kind);
    try {
      this.#pool ??= new ConvertPool();
      const pool = this.#pool;
      // Progress reports travel on their own message port: waiting for the last one's reply means the page has
      // seen every report before the result arrives.
      let reported: unknown;
      const report = onProgress && ((p: ExtractProgress) => void (reported = onProgress(p)));
      const result: FramesOutcome<T> = await outcomeOf(() =>
        work({ signal: job.signal, counter: this.#counter, pool, onProgress: report }),
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

  cancel(kind?: DecodeKind): void {
    for (const [job, jobKind] of this.#running) if (!kind || jobKind === kind) job.abort();
  }

  openFrames(): number {
    return this.#counter.open;
  }
}

expose(new FramesWorker());
