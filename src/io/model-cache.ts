/**
 * The downloaded-models store: MODEL_CACHE in the Cache API, one response per file (keyed by its absolute
 * URL) and one CachedModel record per folder and dtype. Works in pages, workers and the service worker.
 */
import { MODEL_CACHE, indexUrl, isIndexUrl, type CachedModel } from '../lib/models/download-plan.ts';
import type { ModelDtype } from '../lib/protocol/inference-protocol.ts';

function openStore(): Promise<Cache> {
  return caches.open(MODEL_CACHE);
}

export async function listCachedModels(): Promise<CachedModel[]> {
  const store = await openStore();
  const records: CachedModel[] = [];
  for (const request of await store.keys()) {
    if (!isIndexUrl(request.url)) continue;
    const response = await store.match(request);
    if (response) records.push((await response.json()) as CachedModel);
  }
  return records.sort((a, b) => a.name.localeCompare(b.name) || a.dtype.localeCompare(b.dtype));
}

export async function findCachedModel(folderUrl: string, dtype: ModelDtype): Promise<CachedModel | undefined> {
  const response = await (await openStore()).match(indexUrl(folderUrl, dtype));
  return response ? ((await response.json()) as CachedModel) : undefined;
}

/** The record goes in last, so a model is listed only once all its files are stored. */
export async function saveCachedModel(record: CachedModel): Promise<void> {
  const body = JSON.stringify(record);
  await (
    await openStore()
  ).put(
    indexUrl(record.folderUrl, record.dtype),
    new Response(body, { headers: { 'content-type': 'application/json' } }),
  );
}

/**
 * Deletes one model: its record and the files no other record lists (two dtypes of one folder share
 * config and tokenizer files, so deleting q4 must leave q4f16 loadable).
 */
export async function deleteCachedModel(key: string): Promise<void> {
  const store = await openStore();
  const all = await listCachedModels();
  const target = all.find((m) => m.key === key);
  if (!target) return;
  const kept = new Set(all.filter((m) => m.key !== key).flatMap((m) => m.files.map((f) => m.folderUrl + f.path)));
  await store.delete(indexUrl(target.folderUrl, target.dtype));
  for (const file of target.files) {
    const url = target.folderUrl + file.path;
    if (!kept.has(url)) await store.delete(url);
  }
}

/** A stored file, or undefined. */
export async function cachedFile(url: string): Promise<Response | undefined> {
  return (await openStore()).match(url);
}

/** Stores a file's response; the body is streamed to disk by the browser, never held whole in memory. */
export async function storeFile(url: string, response: Response): Promise<void> {
  await (await openStore()).put(url, response);
}

/** Forgets a partly written file (a failed attempt). */
export async function dropFile(url: string): Promise<void> {
  await (await openStore()).delete(url);
}
