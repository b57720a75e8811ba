/**
 * Pure planning for model downloads: where a catalog source's files live, which files a dtype needs (read
 * from the model's own config.json, so external-data chunk counts are never guessed), whether the storage
 * quota can hold them, how long to wait before retrying, and the byte rate. The Cache API work itself is in
 * src/state/downloads.svelte.ts; the inference worker and the service worker read the same cache.
 */
import type { ModelDtype } from '../protocol/inference-protocol.ts';
import type { CatalogSource } from './model-catalog.ts';
import { GRAPHS, onnxPath } from './model-layout.ts';

/** The Cache API cache holding downloaded model files, keyed by each file's absolute URL. */
export const MODEL_CACHE = 'rewatch-models';

/** A downloaded model's record in MODEL_CACHE, stored at `indexUrl(folderUrl, dtype)`. */
export interface CachedModel {
  /** `${folderUrl}#${dtype}`: one record per folder and dtype. */
  key: string;
  name: string;
  folderUrl: string;
  dtype: ModelDtype;
  /** Files present in the cache (optional files the server lacked are absent). */
  files: { path: string; bytes: number }[];
  bytes: number;
  savedAt: string;
}

export interface PlannedFile {
  path: string;
  /** An optional file may be missing on the server (a 404 skips it instead of failing the download). */
  required: boolean;
}

/** Files besides the graphs that transformers.js reads for Qwen2.5-VL. */
const CONFIG_FILES: readonly PlannedFile[] = [
  { path: 'config.json', required: true },
  { path: 'generation_config.json', required: false },
  { path: 'preprocessor_config.json', required: true },
  { path: 'tokenizer.json', required: true },
  { path: 'tokenizer_config.json', required: true },
  { path: 'chat_template.json', required: false },
  { path: 'chat_template.jinja', required: false },
];

/** Where the hub serves a repository's files (transformers.js' default remoteHost and path template). */
const HUB_FILE_BASE = 'https://huggingface.co/';

/** The folder URL (ending in '/') that holds a source's files; `base` resolves relative URLs. */
export function sourceFolderUrl(source: CatalogSource, base: string): string {
  const url = source.kind === 'hub' ? `${HUB_FILE_BASE}${source.id}/resolve/main/` : new URL(source.url, base).href;
  return url.endsWith('/') ? url : `${url}/`;
}

export function modelKey(folderUrl: string, dtype: ModelDtype): string {
  return `${folderUrl}#${dtype}`;
}

/** The record's own URL: beside the files, so it is an http(s) key like them, and unique per dtype. */
export function indexUrl(folderUrl: string, dtype: ModelDtype): string {
  return `${folderUrl}.rewatch-model-${dtype}.json`;
}

export function isIndexUrl(url: string): boolean {
  return /\/\.rewatch-model-[a-z0-9]+\.json$/.test(url);
}

/** The external-data chunk count transformers.js will ask for (its resolveExternalDataFormat rules). */
function externalDataChunks(setting: unknown, fileName: string, sessionName: string): number {
  if (setting && typeof setting === 'object') {
    const perFile = setting as Record<string, unknown>;
    if (fileName in perFile) return Number(perFile[fileName]);
    if (sessionName in perFile) return Number(perFile[sessionName]);
    return 0;
  }
  return Number(setting ?? 0);
}

/** Every file a load of `dtype` reads, from the model's parsed config.json. */
export function planFiles(config: unknown, dtype: ModelDtype): PlannedFile[] {
  if (!config || typeof config !== 'object') throw new TypeError('config.json is not a JSON object');
  const jsConfig = (config as Record<string, unknown>)['transformers.js_config'];
  const external =
    jsConfig && typeof jsConfig === 'object'
      ? (jsConfig as Record<string, unknown>).use_external_data_format
      : undefined;
  const files = [...CONFIG_FILES];
  for (const session of GRAPHS) {
    const path = onnxPath(session, dtype);
    const fileName = path.slice('onnx/'.length);
    files.push({ path, required: true });
    const chunks = externalDataChunks(external, fileName, session);
    for (let i = 0; i < chunks; i++) files.push({ path: `${path}_data${i === 0 ? '' : `_${i}`}`, required: true });
  }
  return files;
}

export interface QuotaCheck {
  ok: boolean;
  /** Bytes the origin may still store, when the browser says. */
  free?: number;
  message?: string;
}

/** Compares the bytes still to download with navigator.storage.estimate()'s free space. */
export function checkQuota(
  estimate: { quota?: number; usage?: number },
  needBytes: number,
  format: (n: number) => string,
): QuotaCheck {
  if (estimate.quota === undefined) return { ok: true };
  const free = Math.max(0, estimate.quota - (estimate.usage ?? 0));
  if (needBytes <= free) return { ok: true, free };
  return {
    ok: false,
    free,
    message:
      `Not enough browser storage: this download needs ${format(needBytes)} but only ${format(free)} is free ` +
      `(quota ${format(estimate.quota)}, used ${format(estimate.usage ?? 0)}). Delete cached models or free disk space, then retry.`,
  };
}

/** Attempts per file before the download fails (the first try and three retries). */
export const MAX_ATTEMPTS = 4;

/** Exponential backoff before retry `attempt` (1-based): 0.5 s, 1 s, 2 s, capped at 8 s. */
export function backoffMs(attempt: number): number {
  return Math.min(8000, 500 * 2 ** (attempt - 1));
}

/** Bytes per second over the samples no older than `windowMs` (a moving window smooths bursts). */
export function byteRate(samples: readonly { at: number; loaded: number }[], now: number, windowMs = 3000): number {
  const recent = samples.filter((s) => now - s.at <= windowMs);
  if (recent.length < 2) return 0;
  const first = recent[0];
  const last = recent[recent.length - 1];
  return last.at > first.at ? ((last.loaded - first.loaded) * 1000) / (last.at - first.at) : 0;
}
