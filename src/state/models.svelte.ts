/**
 * Model management as Svelte state: the catalog with what this machine can do with each entry, which
 * entries this server or the cache already holds, downloads, picked folders, and loading through the app's
 * ModelLoadState (model-load.svelte.ts). The panel renders this and calls its intents; the default entry
 * is the converted ReWatch-R1 when the server has it (npm start serves models/), otherwise the panel says how
 * to get it.
 */
import type { CachedModel } from '../lib/models/download-plan.ts';
import { sourceFolderUrl } from '../lib/models/download-plan.ts';
import {
  adapterFactsOf,
  assessCapability,
  chooseDtype,
  wasmDtype,
  type CapabilityVerdict,
} from '../lib/models/capability.ts';
import { pickDevice, WASM_MEMORY_LIMIT } from '../lib/models/device-policy.ts';
import type { DeviceChoice, ModelDtype, ModelSource } from '../lib/protocol/inference-protocol.ts';
import {
  CATALOG,
  catalogEntry,
  weightBytes,
  type CatalogEntry,
  type CatalogSource,
} from '../lib/models/model-catalog.ts';
import { findCachedModel } from '../io/model-cache.ts';
import { registerServiceWorker } from '../io/offline.ts';
import type { FolderFile } from '../io/dropped-folder.ts';
import type { ConvertedModel } from '../io/opfs-models.ts';
import { lastModel, rememberModel } from '../io/last-model.ts';
import { probeModelFolder } from '../io/model-folder-probe.ts';
import { GRAPHS, onnxPath } from '../lib/models/model-layout.ts';
import { completeDtypes, pickedFolder, type PickedFolder } from '../lib/models/picked-folder.ts';
import { CapabilityState } from './capability.svelte.ts';
import { ConvertState } from './convert.svelte.ts';
import { DownloadsState } from './downloads.svelte.ts';
import type { ModelLoadState } from './model-load.svelte.ts';

/** The catalog entry the app prefers (the model this app exists for). */
const DEFAULT_ENTRY = 'rewatch-r1-7b';

export type Availability = 'checking' | 'on-server' | 'cached' | 'missing';

/** What was last asked to load, so a lost device can reload it or fall back to WASM. */
type LoadTarget = { label: string; source: ModelSource; dtype: ModelDtype; wasmFits: boolean; converted?: string };

/** Weights plus room for the KV cache and activations, as a share of WASM's 4 GiB: a folder's files decide. */
const WASM_HEADROOM = 1.25;

export class ModelsState {
  readonly capability = new CapabilityState();
  readonly downloads = new DownloadsState();
  /** Checkpoints converted in the page, into this browser's OPFS. */
  readonly converter = new ConvertState(this.capability);
  readonly #model: ModelLoadState;
  #selectedId = $state(DEFAULT_ENTRY);
  #availability = $state.raw<Record<string, Availability>>(Object.fromEntries(CATALOG.map((e) => [e.id, 'checking'])));
  #phase = $state<'idle' | 'downloading' | 'loading'>('idle');
  #error = $state<string | null>(null);
  #last = $state.raw<LoadTarget | null>(null);
  /** Folder URLs the user gave for catalog entries hosted elsewhere than the catalog says. */
  #hostedAt = $state.raw<Record<string, string>>({});
  #hostProblem = $state.raw<Record<string, string>>({});
  /** The device the person chose in the panel ('auto': device-policy.ts decides). */
  #deviceChoice = $state<DeviceChoice>('auto');
  /** The converted model this visit loaded again because it was the last one loaded, or null. */
  #resumed = $state<string | null>(null);

  constructor(model: ModelLoadState) {
    this.#model = model;
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
  /** The verdict for an entry on the chosen device, once the GPU probe has answered. */
  verdict(entry: CatalogEntry): CapabilityVerdict | null {
    const report = this.capability.report;
    return report ? assessCapability(report, entry, this.#deviceChoice) : null;
  }

  get deviceChoice(): DeviceChoice {
    return this.#deviceChoice;
  }

  /** Applies to the next load (a loaded model keeps its device until then). */
  chooseDevice(choice: DeviceChoice): void {
    this.#deviceChoice = choice;
  }

  /** Why the loaded model runs where it does (the worker's words), or null. */
  get deviceReason(): string | null {
    return this.#model.loaded?.deviceReason ?? null;
  }
  /** The model-management error (download, folder), else the last load's (or a lost device); run errors are the question's. */
  get error(): string | null {
    return this.#error ?? this.#model.error?.message ?? null;
  }
  /** True when the GPU device was lost: the panel offers reload and WASM fallback. */
  get deviceLost(): boolean {
    return this.#model.error?.kind === 'device-lost';
  }
  get busy(): boolean {
    return this.#phase !== 'idle' || this.#model.status === 'loading';
  }

  /** The model's state in one word (the `model-status` element's data-state). */
  get state(): 'downloading' | 'loading' | 'error' | 'ready' | 'none' {
    if (this.#phase === 'downloading') return 'downloading';
    if (this.#model.status === 'loading' || this.#phase === 'loading') return 'loading';
    if (this.error) return 'error';
    return this.#model.loaded ? 'ready' : 'none';
  }

  /** One line for the `model-status` element. */
  get status(): string {
    const loaded = this.#model.loaded;
    if (this.#phase === 'downloading') return `Downloading ${this.downloads.active?.name ?? 'model'}…`;
    if (this.#model.status === 'loading' || this.#phase === 'loading')
      return `Loading ${this.#last?.label ?? 'model'}…`;
    if (this.error) return `Error: ${this.error}`;
    if (loaded && this.#last)
      return `Ready: ${this.#last.label} (${loaded.dtype}, ${loaded.device === 'webgpu' ? 'WebGPU' : 'WASM'})`;
    return 'No model loaded';
  }

  /** Probes the GPU, lists the cache, finds which entries this server or the cache holds, and sets up offline use. */
  async init(): Promise<void> {
    await Promise.all([
      this.capability.probe(),
      this.downloads.refresh(),
      this.converter.refresh(),
      registerServiceWorker(),
    ]);
    const found = await Promise.all(CATALOG.map(async (e) => [e.id, await this.#locate(e)] as const));
    this.#availability = Object.fromEntries(found);
    const last = lastModel();
    const remembered = this.converter.models.find((m) => m.name === last);
    if (remembered && !this.busy && !this.#model.loaded) {
      this.#resumed = remembered.name;
      void this.loadConverted(remembered);
    }
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
    const probe = await probeModelFolder(folderUrl);
    // Only a URL the person gave gets the cause; the app's own folders say how to make them.
    const problem = probe.kind !== 'ok' && this.#hostedAt[entry.id] ? probe.message : '';
    this.#hostProblem = { ...this.#hostProblem, [entry.id]: problem };
    return probe.kind === 'ok' ? 'on-server' : 'missing';
  }

  /** Why a folder URL the person gave for an entry has no model ('' when it has one, or none was given). */
  hostProblem(id: string): string {
    return this.#hostProblem[id] ?? '';
  }

  #dtypeFor(entry: CatalogEntry): ModelDtype {
    return this.verdict(entry)?.dtype ?? chooseDtype(entry.dtypes, []);
  }

  /** The dtype a folder with `dtypes` loads in on the device the rule picks for it (WASM computes in float32). */
  #folderDtype(dtypes: ModelDtype[], wasmFits: boolean): ModelDtype {
    const report = this.capability.report;
    const features = report?.adapter?.features ?? [];
    const pick = report ? pickDevice(this.#deviceChoice, adapterFactsOf(report), wasmFits) : null;
    if (pick && 'device' in pick && pick.device === 'webgpu') return chooseDtype(dtypes, features);
    const float32 = dtypes.filter((d) => d === wasmDtype(d));
    return chooseDtype(float32.length ? float32 : dtypes, []);
  }

  /** Downloads the selected entry into the cache (if needed), then loads it. */
  async loadEntry(id = this.#selectedId): Promise<void> {
    const entry = catalogEntry(id);
    this.#selectedId = entry.id;
    const dtype = this.#dtypeFor(entry);
    const target = {
      label: entry.name,
      source: this.sourceOf(entry),
      dtype,
      wasmFits: this.verdict(entry)?.wasmFits ?? true,
    };
    this.#error = null;
    const downloaded = await this.#download(target, weightBytes(entry, dtype));
    this.#availability = { ...this.#availability, [entry.id]: await this.#locate(entry) };
    if (downloaded) await this.#load(target, this.#deviceChoice);
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
    const wasmFits = record.bytes * WASM_HEADROOM <= WASM_MEMORY_LIMIT;
    await this.#load({ label: record.name, source, dtype: record.dtype, wasmFits }, this.#deviceChoice);
  }

  /**
   * Loads a converted model folder picked or dropped from disk, or converted into this browser (`where`
   * says which); paths start with the folder's name. Its files never leave the machine.
   */
  async loadFolder(files: FolderFile[], where = 'local folder', converted?: string): Promise<void> {
    this.#error = null;
    let folder: PickedFolder;
    try {
      folder = pickedFolder(files, this.capability.report?.adapter?.features ?? []);
    } catch (error) {
      this.#error = error instanceof Error ? error.message : String(error);
      return;
    }
    const dtypes = completeDtypes(new Set(folder.source.files.map((f) => f.path)));
    const graphs = (dtype: ModelDtype) => GRAPHS.map((g) => onnxPath(g, dtype));
    const sizeOf = (dtype: ModelDtype) =>
      folder.source.files
        .filter((f) => graphs(dtype).some((p) => f.path === p || f.path.startsWith(`${p}_data`)))
        .reduce((n, f) => n + f.file.size, 0);
    const wasmFits = dtypes.some((d) => d === wasmDtype(d) && sizeOf(d) * WASM_HEADROOM <= WASM_MEMORY_LIMIT);
    const dtype = this.#folderDtype(dtypes, wasmFits);
    await this.#load(
      { label: `${folder.name} (${where})`, source: folder.source, dtype, wasmFits, converted },
      this.#deviceChoice,
    );
  }

  /** Loads a model converted into this browser's OPFS (read from disk, no network); the next visit loads it again. */
  loadConverted(model: ConvertedModel): Promise<void> {
    return this.loadFolder(model.files, 'in this browser', model.name);
  }

  /** The converted model this visit loaded again by itself (the last one loaded before), or null. */
  get resumed(): string | null {
    return this.#resumed;
  }

  /** Stops loading the last model by itself on the next visits. */
  forgetLastModel(): void {
    rememberModel(null);
    this.#resumed = null;
  }

  async deleteCached(key: string): Promise<void> {
    await this.downloads.remove(key);
    this.#availability = Object.fromEntries(
      await Promise.all(CATALOG.map(async (e) => [e.id, await this.#locate(e)] as const)),
    );
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

  async #load(target: LoadTarget, device: DeviceChoice): Promise<void> {
    this.#last = target;
    this.#phase = 'loading';
    try {
      const loaded = await this.#model.load(target.source, { device, dtype: target.dtype, wasmFits: target.wasmFits });
      // The last model loaded is the one to load again next time, if it is one converted here.
      if (loaded) rememberModel(target.converted ?? null);
    } finally {
      this.#phase = 'idle';
    }
  }
}
