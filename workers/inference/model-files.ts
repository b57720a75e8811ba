/**
 * Where transformers.js reads model files from inside the inference worker. Call `useModelFiles(source)`
 * before `from_pretrained` (in place of useModelSource, which it builds on) and pass the name it returns.
 *
 * - `files` (a folder picked from disk): the library is pointed at a made-up same-origin folder and
 *   env.fetch answers every file of it from the picked Blobs; a file the folder lacks is a 404. No request
 *   for a model file leaves the worker.
 * - `url` / `hub`: a file the app downloaded (src/lib/model-cache.ts, filled by src/state/downloads.svelte.ts)
 *   is read from that Cache API store; anything else goes to the network, and when that fails for a folder
 *   the app downloaded, the file is a 404 (an optional file), so a cached model loads with the network off.
 *   The library's own browser cache is off: it would store a second copy of gigabytes of weights.
 */
import { env } from '@huggingface/transformers';
import type { ModelSource } from '../../src/lib/inference-protocol.ts';
import { cachedFile, listCachedModels } from '../../src/lib/model-cache.ts';
import { useModelSource } from './model-source.ts';

/** The made-up folder picked files are served under (below the worker's origin); env.fetch answers it. */
const PICKED_ROOT_PATH = '/__rewatch-picked__/';
/**
 * Each picked folder gets a new name (valid hub-style, so the library joins it under env.localModelPath):
 * the library memoizes file metadata by path, so two folders at one address would share stale answers.
 */
let pickedLoads = 0;
const pickedName = () => `folder-${pickedLoads}`;

const networkFetch = globalThis.fetch.bind(globalThis);
/** The picked folder being served, by path relative to its root. */
let picked = new Map<string, Blob>();

function notFound(url: string): Response {
  return new Response(`not in the model folder: ${url}`, { status: 404, statusText: 'Not Found' });
}

async function modelFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  const url = new URL(String(input), globalThis.location.href).href;
  const pickedFolder = new URL(`${PICKED_ROOT_PATH}${pickedName()}/`, globalThis.location.href).href;
  if (url.startsWith(pickedFolder)) {
    const blob = picked.get(decodeURIComponent(url.slice(pickedFolder.length)));
    return blob ? new Response(blob, { headers: { 'content-length': String(blob.size) } }) : notFound(url);
  }
  const hit = await cachedFile(url);
  if (hit) return hit;
  try {
    return await networkFetch(input, init);
  } catch (error) {
    // Offline, a file a downloaded model lacks (an optional one the server never had) is missing, not an error.
    if ((await listCachedModels()).some((m) => url.startsWith(m.folderUrl))) return notFound(url);
    throw error;
  }
}

/** Configures transformers.js' env for `source`; returns the name to pass to `from_pretrained`. */
export function useModelFiles(source: ModelSource): string {
  // Outside a browser (the Node CLI) there is no Cache API and no picked folder: the plain source applies.
  if (typeof caches === 'undefined') return useModelSource(source);
  env.fetch = modelFetch;
  if (source.kind !== 'files') {
    picked = new Map();
    const name = useModelSource(source);
    env.useBrowserCache = false;
    return name;
  }
  picked = new Map(source.files.map((f) => [f.path, f.file]));
  pickedLoads++;
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.useBrowserCache = false;
  // Root-relative, not absolute: transformers.js skips its local-file checks (tokenizer_config.json's
  // existence probe among them) for paths that are http(s) URLs.
  env.localModelPath = PICKED_ROOT_PATH;
  return pickedName();
}
