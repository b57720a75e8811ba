/**
 * Converting a downloaded checkpoint in the page, as Svelte state: the dtype (from the capability check
 * unless the person picks one), the folder check (the converter's own messages), the storage check against
 * the output size before starting, progress, cancel, and the models converted into this browser's OPFS.
 */
import { checkQuota } from '../lib/models/download-plan.ts';
import { chooseDtype } from '../lib/models/capability.ts';
import { keepBothName } from '../lib/models/converted-name.ts';
import { DTYPES, type ModelDtype } from '../lib/models/model-layout.ts';
import { formatBytes } from '../lib/models/model-catalog.ts';
import { relativeToTop } from '../lib/models/picked-folder.ts';
import { progressLine } from '../lib/models/convert-progress.ts';
import { AppError } from '../lib/protocol/app-error.ts';
import type { ConvertProgress } from '../lib/protocol/convert-protocol.ts';
import type { FolderFile } from '../io/dropped-folder.ts';
import { deleteConvertedModel, listConvertedModels, type ConvertedModel } from '../io/opfs-models.ts';
import type { CapabilityState } from './capability.svelte.ts';
import { ConvertClient } from './convert-client.ts';

export type ConvertPhase = 'idle' | 'checking' | 'confirming' | 'converting';

/** A checked conversion waiting for the person: a model of its folder's name is already in this browser. */
export interface NameTaken {
  name: string;
  dtype: ModelDtype;
  existing: ConvertedModel;
  /** The name "keep both" converts under. */
  keepBothAs: string;
}

export type NameChoice = 'replace' | 'keep-both' | 'cancel';

export class ConvertState {
  readonly #capability: CapabilityState;
  #client: ConvertClient | null = null;
  #phase = $state<ConvertPhase>('idle');
  #progress = $state.raw<ConvertProgress | null>(null);
  #note = $state<string | null>(null);
  #error = $state<string | null>(null);
  #chosen = $state<ModelDtype | null>(null);
  #models = $state.raw<ConvertedModel[]>([]);
  #taken = $state.raw<NameTaken | null>(null);
  #answer: ((choice: NameChoice) => void) | null = null;

  constructor(capability: CapabilityState) {
    this.#capability = capability;
  }

  get phase(): ConvertPhase {
    return this.#phase;
  }
  get busy(): boolean {
    return this.#phase !== 'idle';
  }
  /** The dtype to convert to: the person's choice, else q4f16 on a GPU with shader-f16, else q4. */
  get dtype(): ModelDtype {
    return this.#chosen ?? chooseDtype(DTYPES, this.#capability.report?.adapter?.features ?? []);
  }
  chooseDtype(dtype: ModelDtype): void {
    this.#chosen = dtype;
  }
  /** The progress line while converting. */
  get progress(): string | null {
    return this.#progress && progressLine(this.#progress);
  }
  get fraction(): number {
    const p = this.#progress;
    return p && p.readBytes > 0 ? p.bytesRead / p.readBytes : 0;
  }
  /** What happened last (converted, cancelled), or null. */
  get note(): string | null {
    return this.#note;
  }
  get error(): string | null {
    return this.#error;
  }
  /** The question asked while confirming: replace the model of the same name, keep both, or cancel. */
  get taken(): NameTaken | null {
    return this.#taken;
  }
  answer(choice: NameChoice): void {
    this.#answer?.(choice);
  }
  /** The models converted into this browser. */
  get models(): ConvertedModel[] {
    return this.#models;
  }

  /** Lists the converted models (removing a staging folder a closed tab left, unless converting). */
  async refresh(): Promise<void> {
    this.#models = await listConvertedModels(!this.busy);
  }

  /** Checks the picked or dropped checkpoint folder, checks the storage quota, then converts it into OPFS. */
  async convert(picked: FolderFile[]): Promise<void> {
    if (this.busy || picked.length === 0) return;
    const { name, files } = relativeToTop(picked);
    const dtype = this.dtype;
    const request = { name, files, dtypes: [dtype] };
    this.#error = null;
    this.#note = null;
    this.#progress = null;
    this.#phase = 'checking';
    this.#client ??= new ConvertClient();
    try {
      if (name.startsWith('.') || files[0].path === picked[0].path)
        throw new TypeError('Pick the checkpoint folder itself (the one holding config.json), not files inside it.');
      const plan = await this.#client.inspect(request);
      const saveAs = await this.#nameFor(name, dtype);
      if (saveAs === null) {
        this.#note = `Nothing converted; "${name}" in this browser is kept as it was.`;
        return;
      }
      // Ask before measuring: a persisted origin is not evicted and may get a larger quota.
      await navigator.storage.persist?.();
      const quota = checkQuota(await navigator.storage.estimate(), plan.outputBytes, formatBytes);
      if (!quota.ok)
        throw new RangeError(
          `Not enough browser storage: converting "${name}" to ${dtype} needs ${formatBytes(plan.outputBytes)} ` +
            `but only ${formatBytes(quota.free ?? 0)} is free. Delete models from this browser or free disk space, then retry.`,
        );
      this.#phase = 'converting';
      const done = await this.#client.convert({ ...request, saveAs }, (p) => (this.#progress = p));
      const as = saveAs === name ? '' : ` as "${saveAs}"`;
      this.#note = `Converted "${name}" to ${dtype}${as} (${formatBytes(done.outputBytes)}) in ${done.seconds.toFixed(0)} s.`;
    } catch (error) {
      if (error instanceof AppError && error.kind === 'cancelled')
        this.#note = `Conversion of "${name}" cancelled; nothing was kept.`;
      else this.#error = error instanceof Error ? error.message : String(error);
    } finally {
      this.#phase = 'idle';
      this.#progress = null;
      await this.refresh();
    }
  }

  /**
   * The name to convert under: the folder's, unless a model of that name is already here and the person
   * keeps it (another name) or cancels (null). A conversion replaces a folder whole, so asking first is what
   * keeps a q4 conversion from silently replacing an fp32 one of the same checkpoint.
   */
  async #nameFor(name: string, dtype: ModelDtype): Promise<string | null> {
    await this.refresh();
    const existing = this.#models.find((m) => m.name === name);
    if (!existing) return name;
    const names = this.#models.map((m) => m.name);
    const keepBothAs = keepBothName(name, dtype, names);
    this.#phase = 'confirming';
    const choice = await new Promise<NameChoice>((resolve) => {
      this.#answer = resolve;
      this.#taken = { name, dtype, existing, keepBothAs };
    });
    this.#answer = null;
    this.#taken = null;
    this.#phase = 'checking';
    return choice === 'replace' ? name : choice === 'keep-both' ? keepBothAs : null;
  }

  cancel(): void {
    this.#client?.cancel();
  }

  /** Deletes a converted model from this browser (its space is freed). */
  async delete(name: string): Promise<void> {
    await deleteConvertedModel(name);
    await this.refresh();
  }
}
