/**
 * Points transformers.js at a ModelSource: returns the name to pass to `from_pretrained` after setting the
 * library's (global) env for that kind of source. model-files.ts (model management) adds picked files and
 * Cache-API downloads on top of the same env.
 */
import { env } from '@huggingface/transformers';
import type { ModelSource } from '../../src/lib/inference-protocol.ts';
import { InferenceError } from '../../src/lib/inference-error.ts';

/** The library's Hub settings, restored for 'hub' sources after a folder URL changed them. */
const HUB_HOST = env.remoteHost;
const HUB_PATH_TEMPLATE = env.remotePathTemplate;

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
 * - An http(s) folder URL is served as a "remote host" whose path template is just `{model}/`: the library
 *   fetches `<parent>/<name>/<file>` (same- or cross-origin). Its "local model" mode would not do: for an
 *   http localModelPath, its file-existence check skips the local folder, so the tokenizer is never found.
 * - A file: URL (Node) is read from disk through the library's local-model mode.
 * Folder files are kept out of the library's browser cache, which is keyed by the name alone.
 */
export function useModelSource(source: ModelSource): string {
  switch (source.kind) {
    case 'url': {
      const folder = absoluteFolderUrl(source.url).slice(0, -1);
      const cut = folder.lastIndexOf('/');
      const parent = folder.slice(0, cut + 1);
      env.useBrowserCache = false;
      if (parent.startsWith('file:')) {
        env.allowLocalModels = true;
        env.allowRemoteModels = false;
        env.localModelPath = decodeURIComponent(new URL(parent).pathname);
      } else {
        env.allowLocalModels = false;
        env.allowRemoteModels = true;
        env.remoteHost = parent;
        env.remotePathTemplate = '{model}/';
      }
      return folder.slice(cut + 1);
    }
    case 'hub':
      env.allowLocalModels = false;
      env.allowRemoteModels = true;
      env.remoteHost = HUB_HOST;
      env.remotePathTemplate = HUB_PATH_TEMPLATE;
      env.useBrowserCache = typeof caches !== 'undefined';
      return source.id;
    case 'files':
      throw new InferenceError('load-failed', 'a model folder picked from disk is served by workers/inference/model-files.ts; call useModelFiles for it');
  }
}
