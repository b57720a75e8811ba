/**
 * Model management as Svelte state: the catalog with what this machine can do with each entry, which
 * entries this server or the cache already holds, downloads, picked folders, and loading through the app's
 * InferenceClient (which owns the worker). The panel renders this and calls its intents; the default entry
 * is the converted ReWatch-R1 when the server has it (npm start serves models/), otherwise the panel says how
 * to get it.
 */
import type { CachedModel } from '../lib/download-plan.ts';
import { sourceFolderUrl } from '../lib/download-plan.ts';
import { assessCapability, chooseDtype, wasmDtype, type CapabilityVerdict } from '../lib/capability.ts';
import type { Device, ModelDtype, ModelSource } from '../lib/inference-protocol.ts';
import { CATALOG, catalogEntry, weightBytes, type CatalogEntry, type CatalogSource } from '../lib/model-catalog.ts';
import { findCachedModel } from '../lib/model-cache.ts';
import { registerServiceWorker } from '../lib/offline.ts';
import type { FolderFile } from '../lib/dropped-folder.ts';
import { isHtml } from '../lib/model-download.ts';
import { completeDtypes, pickedFolder, type PickedFolder } from '../lib/picked-folder.ts';
import { CapabilityState } from './capability.svelte.ts';
import { DownloadsState } from './downloads.svelte.ts';
import type { InferenceClient } from './inference-client.svelte.ts';

/** The catalog entry the app prefers (the model this app exists for). */
const DEFAULT_ENTRY = 'rewatch-r1-7b';

export type Availability = 'checking' | 'on-server' | 'cached' | 'missing';

/** What was last asked to load, so a lost device can reload it or fall back to WASM. */
type LoadTarget = { label: string; source: ModelSource; dtype: ModelDtype };

export class ModelsState {
  readonly capability = new CapabilityState();
  readonly downloads = new DownloadsState();
  readonly #inference: InferenceClient;
  #selectedId = $state(DEFAULT_ENTRY);
  #availability = $state.raw<Record<string, Availability>>(Object.fromEntries(CATALOG.map((e) => [e.id, 'checking'])));
  #phase = $state<'idle' | 'downloading' | 'loading'>('idle');
  #error = $state<string | null>(null);
  #last = $state.raw<LoadTarget | null>(null);
  /** Folder URLs the user gave for catalog entries hosted elsewhere than the catalog says. */
  #hostedAt = $state.raw<Record<string, string>>({});

  constructor(inference: InferenceClient) {
    this.#inference = inference;
  }

  get entries(): readonly CatalogEntry[] {
    return CATALOG;
  }
  get selected(): CatalogEntry {
    return catalogEntry(this.#selectedId);
  }
  get availability(): Record<string, Availability> {
    return this.#availability;
  }
  /** The verdict for an entry, once the GPU probe has answered. */
  verdict(entry: CatalogEntry): CapabilityVerdict | null {
    const report = this.capability.report;
    return report ? assessCapability(report, entry) : null;
  }
  /** The model-management error (download, folder); load and run errors are the inference client's. */
  get error(): string | null {
    return this.#error ?? this.#inference.error?.message ?? null;
  }
  /** True when the GPU device was lost: the panel offers reload and WASM fallback. */
  get deviceLost(): boolean {
    return this.#inference.error?.kind === 'device-lost';
  }
  get busy(): boolean {
    return this.#phase !== 'idle' || this.#inference.status === 'loading';
  }

  /** The model's state in one word (the `model-status` element's data-state). */
  get state(): 'downloading' | 'loading' | 'error' | 'ready' | 'none' {
    if (this.#phase === 'downloading') return 'downloading';
    if (this.#inference.status === 'loading' || this.#phase === 'loading') return 'loading';
    if (this.error) return 'error';
    return this.#inference.model ? 'ready' : 'none';
  }

  /** One line for the `model-status` element. */
  get status(): string {
    const loaded = this.#inference.model;
    if (this.#phase === 'downloading') return `Downloading ${this.downloads.active?.name ?? 'model'}…`;
    if (this.#inference.status === 'loading' || this.#phase === 'loading') return `Loading ${this.#last?.label ?? 'model'}…`;
    if (this.error) return `Error: ${this.error}`;
    if (loaded && this.#last) return `Ready: ${this.#last.label} (${loaded.dtype}, ${loaded.device === 'webgpu' ? 'WebGPU' : 'WASM'})`;
    return 'No model loaded';
  }

  /** Probes the GPU, lists the cache, finds which entries this server or the cache holds, and sets up offline use. */
  async init(): Promise<void> {
    await Promise.all([this.capability.probe(), this.downloads.refresh(), registerServiceWorker()]);
    const found = await Promise.all(CATALOG.map(async (e) => [e.id, await this.#locate(e)] as const));
    this.#availability = Object.fromEntries(found);
    const preferred = [DEFAULT_ENTRY, ...CATALOG.map((e) => e.id)].find((id) => this.#availability[id] !== 'missing');
    if (preferred) this.#selectedId = preferred;
  }

  select(id: string): void {
    this.#selectedId = catalogEntry(id).id;
  }

  /** Where an entry's files are: the catalog's source, or the folder URL the user gave for it. */
  sourceOf(entry: CatalogEntry): CatalogSource {
    const url = this.#hostedAt[entry.id];
    return url ? { kind: 'url', url } : entry.source;
  }

  /** Uses a converted model hosted at `url` (any server with CORS) for an entry. */
  async hostAt(id: string, url: string): Promise<void> {
    const entry = catalogEntry(id);
    try {
      const absolute = new URL(url, location.href);
      if (absolute.protocol !== 'https:' && absolute.protocol !== 'http:') throw new TypeError('not an http(s) URL');
      this.#hostedAt = { ...this.#hostedAt, [id]: absolute.href };
    } catch (error) {
      this.#error = `"${url}" is not a folder URL: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    this.#error = null;
    this.#availability = { ...this.#availability, [id]: 'checking' };
    this.#availability = { ...this.#availability, [id]: await this.#locate(entry) };
  }

  async #locate(entry: CatalogEntry): Promise<Availability> {
    const source = this.sourceOf(entry);
    const folderUrl = sourceFolderUrl(source, location.href);
    const dtype = this.#dtypeFor(entry);
    if (await findCachedModel(folderUrl, dtype)) return 'cached';
    if (source.kind === 'hub') return 'missing';
    try {
      const response = await fetch(`${folderUrl}config.json`, { cache: 'no-store' });
      return response.ok && !isHtml(response) ? 'on-server' : 'missing';
    } catch {
      return 'missing';
    }
  }

  #dtypeFor(entry: CatalogEntry): ModelDtype {
    return this.verdict(entry)?.dtype ?? chooseDtype(entry.dtypes, []);
  }

  #device(entry: CatalogEntry): Device {
    return this.verdict(entry)?.device ?? 'wasm';
  }

  /** Downloads the selected entry into the cache (if needed), then loads it. */
  async loadEntry(id = this.#selectedId): Promise<void> {
    const entry = catalogEntry(id);
    this.#selectedId = entry.id;
    const dtype = this.#dtypeFor(entry);
    const target = { label: entry.name, source: this.sourceOf(entry), dtype };
    this.#error = null;
    const downloaded = await this.#download(target, weightBytes(entry, dtype));
    this.#availability = { ...this.#availability, [entry.id]: await this.#locate(entry) };
    if (downloaded) await this.#load(target, this.#device(entry));
  }

  /** Makes sure a url/hub target's files are in the cache; false (with the error shown) when they cannot be. */
  async #download(target: LoadTarget, estimatedBytes: number): Promise<boolean> {
    if (target.source.kind === 'files') return true;
    this.#phase = 'downloading';
    try {
      const folderUrl = sourceFolderUrl(target.source, location.href);
      await this.downloads.download({ name: target.label, folderUrl, dtype: target.dtype, estimatedBytes });
      return true;
    } catch (error) {
      this.#error = error instanceof Error ? error.message : String(error);
      return false;
    } finally {
      this.#phase = 'idle';
    }
  }

  /** Loads a model already in the cache (works offline). */
  async loadCached(record: CachedModel): Promise<void> {
    this.#error = null;
    const entry = CATALOG.find((e) => sourceFolderUrl(this.sourceOf(e), location.href) === record.folderUrl);
    const source: ModelSource = entry ? this.sourceOf(entry) : { kind: 'url', url: record.folderUrl };
    await this.#load({ label: record.name, source, dtype: record.dtype }, entry ? this.#device(entry) : 'auto');
  }

  /** Loads a converted model folder picked or dropped from disk (paths start with the folder's name); its files never leave the machine. */
  async loadFolder(files: FolderFile[]): Promise<void> {
    this.#error = null;
    let folder: PickedFolder;
    try {
      folder = pickedFolder(files, this.capability.report?.adapter?.features ?? []);
    } catch (error) {
      this.#error = error instanceof Error ? error.message : String(error);
      return;
    }
    await this.#load({ label: `${folder.name} (local folder)`, source: folder.source, dtype: folder.dtype }, this.#device(this.selected));
  }

  async deleteCached(key: string): Promise<void> {
    await this.downloads.remove(key);
    this.#availability = Object.fromEntries(await Promise.all(CATALOG.map(async (e) => [e.id, await this.#locate(e)] as const)));
  }

  /** After a lost GPU device: load the same model again on a fresh device. */
  async reload(): Promise<void> {
    if (this.#last) await this.#load(this.#last, 'webgpu');
  }

  /**
   * After a lost GPU device or a GPU that cannot hold the model: the same model on the CPU, in its float32
   * twin dtype (downloaded first if needed; a picked folder without that dtype keeps the one it has).
   */
  async fallBackToWasm(): Promise<void> {
    const last = this.#last;
    if (!last) return;
    this.#error = null;
    const source = last.source;
    const twin = wasmDtype(last.dtype);
    const usable = source.kind !== 'files' || completeDtypes(new Set(source.files.map((f) => f.path))).includes(twin);
    const target = { ...last, dtype: usable ? twin : last.dtype };
    if (await this.#download(target, 0)) await this.#load(target, 'wasm');
  }

  async #load(target: LoadTarget, device: Device | 'auto'): Promise<void> {
    this.#last = target;
    this.#phase = 'loading';
    try {
      await this.#inference.load(target.source, { device, dtype: target.dtype });
    } finally {
      this.#phase = 'idle';
    }
  }
}
