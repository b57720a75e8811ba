/**
 * A ModelSource as a ModelFolder inside the inference worker:
 * - `files` (a folder picked from disk): read from the picked Blobs; no request leaves the worker.
 * - `url` / `hub`: a file the app downloaded (src/io/model-cache.ts) is read from the Cache API; anything else
 *   from the network, and when the network fails for a folder the app downloaded, the file counts as absent
 *   (an optional file), so a downloaded model loads offline.
 * Large files (external weights) are read lazily (lazy-bytes.ts): from the Blob, or with range requests
 * when the server answers them. From a server that does not, a file is first streamed to disk (a staging cache,
 * emptied once the graphs are open) and read lazily from there, so no path holds gigabytes in memory.
 */
import type { ModelSource } from '../../src/lib/protocol/inference-protocol.ts';
import { cachedFile, listCachedModels } from '../../src/io/model-cache.ts';
import { countedResponse } from '../../src/io/model-download.ts';
import { lazyBlobBytes, lazyRangeBytes } from './lazy-bytes.ts';
import type { ModelFolder } from './model-folder.ts';

/** Bytes read so far of one large file. */
export type ReadProgress = (path: string, loaded: number, total: number) => void;

const HUB = 'https://huggingface.co';
/** Where weights from servers without range requests wait on disk while a model opens. */
const STAGING_CACHE = 'rewatch-staging';

/** The source's folder as an absolute URL ending in '/', resolved against the worker's location. */
export function folderUrlOf(source: Extract<ModelSource, { kind: 'url' } | { kind: 'hub' }>): string {
  const url =
    source.kind === 'hub' ? `${HUB}/${source.id}/resolve/main/` : new URL(source.url, globalThis.location?.href).href;
  return url.endsWith('/') ? url : `${url}/`;
}

/** A stable key per source: the same source loads once, a different one replaces it. */
export function sourceKey(source: ModelSource): string {
  if (source.kind === 'files')
    return `files:${source.name}:${source.files.map((f) => `${f.path}@${f.file.size}`).join(',')}`;
  return `url:${folderUrlOf(source)}`;
}

function pickedFolder(source: Extract<ModelSource, { kind: 'files' }>, onRead?: ReadProgress): ModelFolder {
  const files = new Map(source.files.map((f) => [f.path, f.file]));
  return {
    label: `the picked folder "${source.name}"`,
    read: async (path) => {
      const file = files.get(path);
      return file ? new Uint8Array(await file.arrayBuffer()) : null;
    },
    readLarge: async (path) => {
      const file = files.get(path);
      if (!file) throw new Error(`the picked folder "${source.name}" has no ${path}`);
      return lazyBlobBytes(file, (loaded, total) => onRead?.(path, loaded, total));
    },
  };
}

/** Whether `url` belongs to a model the app downloaded (its files may then be read while offline). */
async function isDownloaded(url: string): Promise<boolean> {
  return (await listCachedModels()).some((m) => url.startsWith(m.folderUrl));
}

function urlFolder(base: string, onRead?: ReadProgress): ModelFolder {
  const fetchFile = async (path: string, init?: RequestInit): Promise<Response | null> => {
    const url = base + path;
    const hit = await cachedFile(url);
    if (hit) return hit;
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      // Offline, a file a downloaded model lacks (an optional one the server never had) is absent, not an error.
      if (await isDownloaded(url)) return null;
      throw new Error(`could not reach ${url}: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
    if (response.status === 404) return null;
    if (!response.ok && response.status !== 206)
      throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
    return response;
  };
  return {
    label: base,
    read: async (path) => {
      const response = await fetchFile(path);
      return response ? new Uint8Array(await response.arrayBuffer()) : null;
    },
    readLarge: async (path) => {
      const url = base + path;
      const report = (loaded: number, total: number) => onRead?.(path, loaded, total);
      const cached = await cachedFile(url);
      if (cached) return lazyBlobBytes(await cached.blob(), report);
      const probe = await fetchFile(path, { headers: { Range: 'bytes=0-0' } });
      if (!probe) throw new Error(`${url}: not found`);
      const size = Number(probe.headers.get('content-range')?.split('/')[1]);
      if (probe.status === 206 && Number.isFinite(size) && size > 0) {
        await probe.body?.cancel();
        return lazyRangeBytes(url, size, report);
      }
      // No range requests here: to disk first, then read lazily from there.
      const total = Number(probe.headers.get('content-length')) || 0;
      const staging = await caches.open(STAGING_CACHE);
      await staging.put(
        url,
        countedResponse(probe, (loaded) => report(loaded, Math.max(total, loaded))),
      );
      const staged = await staging.match(url);
      if (!staged) throw new Error(`${url}: could not be staged on disk (storage full?)`);
      // Its progress was the download's.
      return lazyBlobBytes(await staged.blob());
    },
    release: async () => {
      await caches.delete(STAGING_CACHE);
    },
  };
}

export function webModelFolder(source: ModelSource, onRead?: ReadProgress): ModelFolder {
  return source.kind === 'files' ? pickedFolder(source, onRead) : urlFolder(folderUrlOf(source), onRead);
}
