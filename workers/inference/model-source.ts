/**
 * Points transformers.js at a ModelSource: returns the name to pass to `from_pretrained` after setting the
 * library's (global) env for that kind of source. model-files.ts (model management) adds the 'files' kind
 * and Cache-API downloads on top of the same env.
 */
import { env } from '@huggingface/transformers';
import type { ModelSource } from '../../src/lib/inference-protocol.ts';
import { InferenceError } from '../../src/lib/inference-error.ts';

/** A stable key per source: the same source loads once, a different one replaces it. */
export function sourceKey(source: ModelSource): string {
  switch (source.kind) {
    case 'url':
      return `url:${absoluteFolderUrl(source.url)}`;
    case 'hub':
      return `hub:${source.id}`;
    case 'files':
      return `files:${source.name}:${source.files.map((f) => `${f.path}@${f.file.size}`).join(',')}`;
  }
}

/** The source's folder as an absolute URL ending in '/', resolved against the page or worker location. */
function absoluteFolderUrl(url: string): string {
  const base = globalThis.location?.href;
  const absolute = base ? new URL(url, base).href : new URL(url).href;
  return absolute.endsWith('/') ? absolute : `${absolute}/`;
}

/**
 * Configures env for `source` and returns the model name for `from_pretrained`.
 * A folder URL (http(s), or file: in Node) is served as a "local model": env.localModelPath is its parent and the name its last path
 * segment, so transformers.js fetches `<url>/<file>` and never asks the Hub. Such files are not put in the
 * browser cache: the library keys that cache by a Hub-style URL built from the name alone, so two folders
 * with the same name would collide.
 */
export function useModelSource(source: ModelSource): string {
  switch (source.kind) {
    case 'url': {
      const folder = absoluteFolderUrl(source.url);
      const trimmed = folder.slice(0, -1);
      const cut = trimmed.lastIndexOf('/');
      env.allowLocalModels = true;
      env.allowRemoteModels = false;
      env.useBrowserCache = false;
      const parent = trimmed.slice(0, cut + 1);
      // In Node a file: URL names a folder on disk, which the library reads by path.
      env.localModelPath = parent.startsWith('file:') ? decodeURIComponent(new URL(parent).pathname) : parent;
      return trimmed.slice(cut + 1);
    }
    case 'hub':
      env.allowLocalModels = false;
      env.allowRemoteModels = true;
      env.useBrowserCache = typeof caches !== 'undefined';
      return source.id;
    case 'files':
      throw new InferenceError('load-failed', 'loading a model from picked files needs workers/inference/model-files.ts, which is not in this build yet');
  }
}
