/**
 * Model downloads and the cached-models list, as Svelte state. The work is src/io/model-download.ts; this
 * class keeps what the panel renders: per-file and total bytes, the byte rate, the error, the cached list.
 * One download at a time; a newer request cancels the older one.
 */
import { byteRate, type CachedModel } from '../lib/models/download-plan.ts';
import { deleteCachedModel, listCachedModels } from '../io/model-cache.ts';
import { DownloadError, downloadModel, type DownloadRequest, type FileProgress } from '../io/model-download.ts';

/** How often byte counts reach the UI: every chunk would re-render thousands of times per second. */
const PUBLISH_EVERY_MS = 100;

export interface DownloadView {
  name: string;
  files: FileProgress[];
  loaded: number;
  /** Sum of the sizes known so far. */
  total: number;
  bytesPerSecond: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DownloadError('cancelled', 'Download cancelled.'));
      },
      { once: true },
    );
  });
}

export class DownloadsState {
  #cached = $state.raw<CachedModel[]>([]);
  #active = $state.raw<DownloadView | null>(null);
  #error = $state<string | null>(null);
  #abort: AbortController | null = null;

  get cached(): CachedModel[] {
    return this.#cached;
  }

  get active(): DownloadView | null {
    return this.#active;
  }

  get error(): string | null {
    return this.#error;
  }

  async refresh(): Promise<void> {
    this.#cached = await listCachedModels();
  }

  /** Downloads (or completes) a model into the cache and returns its record; throws DownloadError. */
  async download(request: DownloadRequest): Promise<CachedModel> {
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    this.#error = null;
    let files: FileProgress[] = [];
    const samples: { at: number; loaded: number }[] = [];
    let publishedAt = 0;
    const publish = (force: boolean) => {
      const now = performance.now();
      if (!force && now - publishedAt < PUBLISH_EVERY_MS) return;
      publishedAt = now;
      const loaded = files.reduce((sum, f) => sum + f.loaded, 0);
      samples.push({ at: now, loaded });
      this.#active = {
        name: request.name,
        files: files.map((f) => ({ ...f })),
        loaded,
        total: files.reduce((sum, f) => sum + (f.total ?? 0), 0),
        bytesPerSecond: byteRate(samples, now),
      };
    };
    try {
      const record = await downloadModel(
        request,
        {
          onFiles: (list) => {
            files = list;
            publish(true);
          },
          // A file changing state (done, retrying, failed) is always shown; byte counts are throttled.
          onFile: (file) => publish(file.state !== 'downloading'),
          sleep,
        },
        abort.signal,
      );
      publish(true);
      return record;
    } catch (error) {
      this.#error = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      if (this.#abort === abort) this.#abort = null;
      await this.refresh();
    }
  }

  cancel(): void {
    this.#abort?.abort();
  }

  /** Deletes one cached model; the others and their shared files stay. */
  async remove(key: string): Promise<void> {
    await deleteCachedModel(key);
    await this.refresh();
  }
}
