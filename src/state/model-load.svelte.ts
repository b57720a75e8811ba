/**
 * The loaded model as Svelte state: whether one is loading, its bytes read so far, the loaded model (device
 * and why) and the last load's failure. A failed load, or a GPU device lost while answering, leaves no model
 * and restarts the worker: a failed load may leave a grown wasm heap or half-created sessions behind, and a
 * lost device cannot be recovered in the same worker (ORT keeps one device per worker).
 */
import type { LoadOptions, LoadProgress, LoadResult, ModelSource } from '../lib/protocol/inference-protocol.ts';
import type { InferenceClient, InferenceError } from './inference-client.ts';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Bytes of one model file read so far. */
interface FileProgress {
  loaded: number;
  total: number;
}

export class ModelLoadState {
  #status = $state<LoadStatus>('idle');
  #files = $state.raw<Record<string, FileProgress>>({});
  #model = $state.raw<LoadResult | null>(null);
  #error = $state.raw<InferenceError | null>(null);
  #progress = $derived.by(() => {
    const files = Object.values(this.#files);
    const total = files.reduce((sum, f) => sum + f.total, 0);
    return total > 0 ? files.reduce((sum, f) => sum + f.loaded, 0) / total : 0;
  });

  readonly #client: InferenceClient;
  /** Ends a running generation before a load (the worker runs one thing at a time). */
  readonly #beforeLoad: () => Promise<void>;
  /** Increases with every load; a load whose number is no longer current was superseded. */
  #serial = 0;

  constructor(client: InferenceClient, beforeLoad: () => Promise<void>) {
    this.#client = client;
    this.#beforeLoad = beforeLoad;
  }

  get status(): LoadStatus {
    return this.#status;
  }
  /** Fraction 0..1 of the model's bytes loaded so far, summed over files. */
  get progress(): number {
    return this.#progress;
  }
  /** The loaded model, its device and why that device. */
  get loaded(): LoadResult | null {
    return this.#model;
  }
  /** Why there is no model: the last load's failure, or a lost GPU device. */
  get error(): InferenceError | null {
    return this.#error;
  }

  /** Loads a model (replacing the loaded one); resolves null when superseded or failed (see `error`). */
  async load(source: ModelSource, options: LoadOptions): Promise<LoadResult | null> {
    const serial = ++this.#serial;
    await this.#beforeLoad();
    if (serial !== this.#serial) return null;
    this.#status = 'loading';
    this.#error = null;
    this.#files = {};
    this.#model = null;
    try {
      const result = await this.#client.load(source, options, (p: LoadProgress) => {
        if (serial === this.#serial) this.#files = { ...this.#files, [p.file]: { loaded: p.loaded, total: p.total } };
      });
      if (serial !== this.#serial) return null;
      this.#model = result;
      this.#status = 'ready';
      return result;
    } catch (error) {
      if (serial === this.#serial) this.lost(error as InferenceError);
      return null;
    }
  }

  /** The model is gone (a failed load, a lost GPU device): say why, and start a fresh worker for the next load. */
  lost(error: InferenceError): void {
    this.#error = error;
    this.#status = 'error';
    this.#model = null;
    this.#client.restart();
  }
}
