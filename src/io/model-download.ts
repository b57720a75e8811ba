/**
 * Downloads one model (a folder URL and a dtype) into the model cache: config.json first (it says which
 * files the dtype needs), a size probe and a storage-quota check before any large byte moves, then each
 * file in turn, streamed into the Cache API with byte progress, retried with backoff, and the model's record
 * written last. Files already cached (an interrupted earlier download) are kept, not fetched again.
 */
import {
  MAX_ATTEMPTS,
  backoffMs,
  checkQuota,
  modelKey,
  planFiles,
  type CachedModel,
  type PlannedFile,
} from '../lib/models/download-plan.ts';
import type { ModelDtype } from '../lib/protocol/inference-protocol.ts';
import { formatBytes } from '../lib/models/model-catalog.ts';
import { cachedFile, dropFile, saveCachedModel, storeFile } from './model-cache.ts';

export interface DownloadRequest {
  name: string;
  folderUrl: string;
  dtype: ModelDtype;
  /** Used for the quota check when the server does not say a file's size. */
  estimatedBytes: number;
}

export interface FileProgress {
  path: string;
  loaded: number;
  /** Undefined until the server says. */
  total?: number;
  state: 'waiting' | 'downloading' | 'retrying' | 'done' | 'cached' | 'absent' | 'failed';
  attempt: number;
  /** The last failure, while retrying or once failed. */
  error?: string;
}

export interface DownloadHooks {
  onFiles(files: FileProgress[]): void;
  onFile(file: FileProgress): void;
  /** Waits before a retry; the state class passes a real timer, tests may pass a shorter one. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** A failure with a message meant for people (which file, what happened, how many attempts). */
export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly kind: 'http' | 'network' | 'quota' | 'corrupt' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    statusText: string,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Response body wrapped so every chunk reports the running byte count. */
export function countedResponse(response: Response, onBytes: (loaded: number) => void): Response {
  let loaded = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      onBytes(loaded);
      controller.enqueue(chunk);
    },
  });
  const headers = new Headers();
  for (const name of ['content-type', 'content-length']) {
    const value = response.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(response.body!.pipeThrough(counter), { status: 200, headers });
}

/** A model file is never a web page: an HTML answer is a server's "not found" fallback (SPA routing). */
export function isHtml(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').includes('text/html');
}

async function fetchOk(url: string, signal: AbortSignal): Promise<Response> {
  const response = await fetch(url, { cache: 'no-store', signal });
  if (!response.ok) throw new HttpStatusError(response.status, response.statusText);
  if (isHtml(response)) {
    await response.body?.cancel();
    throw new HttpStatusError(404, 'Not Found (the server sent an HTML page instead)');
  }
  return response;
}

/** Streams one file into the cache, checking the byte count against content-length. */
async function fetchIntoCache(
  url: string,
  file: FileProgress,
  hooks: DownloadHooks,
  signal: AbortSignal,
): Promise<number> {
  const response = await fetchOk(url, signal);
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(length)) file.total = length;
  file.state = 'downloading';
  let received = 0;
  await storeFile(
    url,
    countedResponse(response, (loaded) => {
      received = loaded;
      file.loaded = loaded;
      hooks.onFile(file);
    }),
  );
  if (Number.isFinite(length) && received !== length) {
    await dropFile(url);
    throw new Error(`connection ended after ${formatBytes(received)} of ${formatBytes(length)}`);
  }
  return received;
}

async function withRetries<T>(
  file: FileProgress,
  hooks: DownloadHooks,
  signal: AbortSignal,
  run: () => Promise<T>,
): Promise<T> {
  for (file.attempt = 1; ; file.attempt++) {
    try {
      return await run();
    } catch (error) {
      if (signal.aborted) throw new DownloadError('cancelled', 'Download cancelled.');
      if (error instanceof DownloadError) throw error;
      file.error = describe(error);
      const last = file.attempt >= MAX_ATTEMPTS;
      file.state = last ? 'failed' : 'retrying';
      file.loaded = 0;
      hooks.onFile(file);
      if (last) {
        const kind = error instanceof HttpStatusError ? 'http' : 'network';
        throw new DownloadError(
          kind,
          `Could not download ${file.path}: ${file.error} (${MAX_ATTEMPTS} attempts). Check that the model folder is served at the URL, then retry.`,
        );
      }
      await hooks.sleep(backoffMs(file.attempt), signal);
    }
  }
}

/** Learns a file's size without downloading it (a HEAD request); undefined when the server will not say. */
async function probeSize(url: string, signal: AbortSignal): Promise<number | undefined> {
  try {
    const response = await fetch(url, { method: 'HEAD', cache: 'no-store', signal });
    const length = Number(response.headers.get('content-length') ?? NaN);
    return response.ok && !isHtml(response) && Number.isFinite(length) ? length : undefined;
  } catch {
    return undefined;
  }
}

export async function downloadModel(
  request: DownloadRequest,
  hooks: DownloadHooks,
  signal: AbortSignal,
): Promise<CachedModel> {
  const { folderUrl, dtype } = request;
  // config.json first, into the cache like every file: it says which graphs and data chunks the dtype needs.
  const configFile: FileProgress = { path: 'config.json', loaded: 0, state: 'waiting', attempt: 0 };
  hooks.onFiles([configFile]);
  const configUrl = folderUrl + configFile.path;
  const cachedConfig = await cachedFile(configUrl);
  if (cachedConfig) {
    configFile.total = configFile.loaded = Number(cachedConfig.headers.get('content-length') ?? 0);
    configFile.state = 'cached';
  } else {
    configFile.total = configFile.loaded = await withRetries(configFile, hooks, signal, () =>
      fetchIntoCache(configUrl, configFile, hooks, signal),
    );
    configFile.state = 'done';
  }
  let config: unknown;
  try {
    config = await (cachedConfig ?? (await cachedFile(configUrl)))!.json();
  } catch {
    await dropFile(configUrl);
    throw new DownloadError('corrupt', `${configUrl} is not JSON: this is not a converted model folder.`);
  }

  const plan: PlannedFile[] = planFiles(config, dtype);
  const files: FileProgress[] = plan.map((p) =>
    p.path === configFile.path ? configFile : { path: p.path, loaded: 0, state: 'waiting', attempt: 0 },
  );
  hooks.onFiles(files);

  const missing: FileProgress[] = [];
  for (const file of files) {
    if (file === configFile) continue;
    const hit = await cachedFile(folderUrl + file.path);
    if (hit) {
      file.total = file.loaded = Number(hit.headers.get('content-length') ?? 0);
      file.state = 'cached';
      hooks.onFile(file);
    } else {
      file.total = await probeSize(folderUrl + file.path, signal);
      missing.push(file);
    }
  }
  const known = missing.reduce((sum, f) => sum + (f.total ?? 0), 0);
  const need = missing.every((f) => f.total !== undefined) ? known : Math.max(known, request.estimatedBytes);
  const quota = checkQuota(await navigator.storage.estimate(), need, formatBytes);
  if (!quota.ok) throw new DownloadError('quota', quota.message!);
  // Persistent storage keeps the browser from evicting gigabytes of weights under pressure; refusal is not fatal.
  await navigator.storage.persist?.().catch(() => false);

  for (const file of missing) {
    const required = plan.find((p) => p.path === file.path)!.required;
    try {
      const bytes = await withRetries(file, hooks, signal, async () => {
        try {
          return await fetchIntoCache(folderUrl + file.path, file, hooks, signal);
        } catch (error) {
          // A missing optional file is an answer, not a failure: skip it without retrying.
          if (!required && error instanceof HttpStatusError && error.status === 404) return -1;
          throw error;
        }
      });
      file.state = bytes < 0 ? 'absent' : 'done';
      if (bytes >= 0) file.total = file.loaded = bytes;
    } finally {
      hooks.onFile(file);
    }
  }

  const stored = files
    .filter((f) => f.state === 'done' || f.state === 'cached')
    .map((f) => ({ path: f.path, bytes: f.loaded }));
  const record: CachedModel = {
    key: modelKey(folderUrl, dtype),
    name: request.name,
    folderUrl,
    dtype,
    files: stored,
    bytes: stored.reduce((sum, f) => sum + f.bytes, 0),
    savedAt: new Date().toISOString(),
  };
  await saveCachedModel(record);
  return record;
}
