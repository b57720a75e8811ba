/**
 * The main-thread owner of the inference worker. Components read its state (status, load progress, the
 * streamed answer, stats, the last error) and call load / ask / stop; they never see the worker or the ML
 * library. A newer ask supersedes an older one ("latest wins"): the running generation is stopped and its
 * caller gets null.
 */
import { proxy, wrap, type Remote } from 'comlink';
import type {
  AskRequest,
  AskResult,
  AskStats,
  ChatRequest,
  InferenceApi,
  LoadOptions,
  LoadProgress,
  LoadResult,
  ModelSource,
  RunProgress,
} from '../lib/protocol/inference-protocol.ts';
import { InferenceError, installInferenceErrorTransfer } from '../lib/protocol/inference-error.ts';

export type InferenceStatus = 'idle' | 'loading' | 'ready' | 'generating' | 'error';

/** Bytes of one model file read so far. */
interface FileProgress {
  loaded: number;
  total: number;
}

function defaultWorker(): Worker {
  return new Worker(new URL('../../workers/inference/inference.worker.ts', import.meta.url), { type: 'module', name: 'inference' });
}

function asInferenceError(error: unknown, fallback: InferenceError['kind']): InferenceError {
  if (error instanceof InferenceError) return error;
  return new InferenceError(fallback, error instanceof Error ? error.message : String(error), { cause: error });
}

export class InferenceClient {
  #status = $state<InferenceStatus>('idle');
  #files = $state.raw<Record<string, FileProgress>>({});
  #text = $state('');
  #runProgress = $state.raw<RunProgress | null>(null);
  #stats = $state.raw<AskStats | null>(null);
  /** The last load's failure (the model panel's to show), and the last run's (the question's). */
  #loadError = $state.raw<InferenceError | null>(null);
  #runError = $state.raw<InferenceError | null>(null);
  #model = $state.raw<LoadResult | null>(null);
  #progress = $derived.by(() => {
    const files = Object.values(this.#files);
    const total = files.reduce((sum, f) => sum + f.total, 0);
    return total > 0 ? files.reduce((sum, f) => sum + f.loaded, 0) / total : 0;
  });

  readonly #createWorker: () => Worker;
  #worker: Worker;
  #api: Remote<InferenceApi>;
  /** Increases with every load and ask; a request whose number is no longer current was superseded. */
  #serial = 0;
  #running: Promise<unknown> | null = null;

  /** `createWorker` lets tests wrap the worker (e.g. hide WebGPU); the app uses the default. */
  constructor(createWorker: () => Worker = defaultWorker) {
    installInferenceErrorTransfer();
    this.#createWorker = createWorker;
    this.#worker = createWorker();
    this.#api = wrap<InferenceApi>(this.#worker);
  }

  get status(): InferenceStatus {
    return this.#status;
  }
  /** Fraction 0..1 of the model's bytes loaded so far, summed over files. */
  get progress(): number {
    return this.#progress;
  }
  /** The answer streamed so far (the whole answer once done). */
  get text(): string {
    return this.#text;
  }
  /** Vision-encoder and prefill progress of the running question, until its first token (null otherwise). */
  get runProgress(): RunProgress | null {
    return this.#runProgress;
  }
  get stats(): AskStats | null {
    return this.#stats;
  }
  /** The latest failure, of a run or of a load. */
  get error(): InferenceError | null {
    return this.#runError ?? this.#loadError;
  }
  get loadError(): InferenceError | null {
    return this.#loadError;
  }
  /** The loaded model, its device and why that device. */
  get model(): LoadResult | null {
    return this.#model;
  }

  /** Loads a model (replacing the loaded one); resolves null when superseded or failed (see `error`). */
  async load(source: ModelSource, options: LoadOptions): Promise<LoadResult | null> {
    const serial = ++this.#serial;
    await this.#supersede();
    if (serial !== this.#serial) return null;
    this.#status = 'loading';
    this.#loadError = null;
    this.#runError = null;
    this.#files = {};
    this.#model = null;
    try {
      const result = await this.#api.load(
        source,
        options,
        proxy((p: LoadProgress) => {
          if (serial === this.#serial) this.#onProgress(p);
        }),
      );
      if (serial !== this.#serial) return null;
      this.#model = result;
      this.#status = 'ready';
      return result;
    } catch (error) {
      if (serial === this.#serial) this.#fail(asInferenceError(error, 'load-failed'), 'load');
      return null;
    }
  }

  /** Asks about a video; resolves null when a newer ask or load superseded it or it failed (see `error`). */
  ask(request: AskRequest): Promise<AskResult | null> {
    return this.#generate((onToken, onProgress) => this.#api.ask(request, onToken, onProgress));
  }

  /** Any prompt with images and videos; same contract as ask. */
  chat(request: ChatRequest): Promise<AskResult | null> {
    return this.#generate((onToken, onProgress) => this.#api.chat(request, onToken, onProgress));
  }

  async #generate(run: (onToken: (text: string) => void, onProgress: (p: RunProgress) => void) => Promise<AskResult>): Promise<AskResult | null> {
    const serial = ++this.#serial;
    await this.#supersede();
    if (serial !== this.#serial) return null;
    this.#status = 'generating';
    this.#runError = null;
    this.#text = '';
    this.#stats = null;
    this.#runProgress = null;
    const running = run(
      proxy((piece: string) => {
        if (serial !== this.#serial) return;
        this.#runProgress = null;
        this.#text += piece;
      }),
      proxy((p: RunProgress) => {
        if (serial === this.#serial) this.#runProgress = p;
      }),
    );
    this.#running = running;
    try {
      const result = await running;
      if (serial !== this.#serial) return null;
      this.#text = result.text;
      this.#stats = result.stats;
      this.#status = 'ready';
      return result;
    } catch (error) {
      if (serial === this.#serial) this.#fail(asInferenceError(error, 'generation-failed'), 'run');
      return null;
    } finally {
      if (this.#running === running) this.#running = null;
      if (serial === this.#serial) this.#runProgress = null;
    }
  }

  /** Interrupts the running generation; status leaves 'generating' when the worker says it ended. */
  stop(): void {
    void this.#api.stop();
  }

  /** Stops the running generation and waits until the worker has ended it. */
  async #supersede(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    await this.#api.stop();
    await running.catch(() => undefined);
  }

  #onProgress(p: LoadProgress): void {
    this.#files = { ...this.#files, [p.file]: { loaded: p.loaded, total: p.total } };
  }

  /** A failed run leaves the model loaded (the worker still holds it); a failed load or a lost device does not. */
  #fail(error: InferenceError, during: 'load' | 'run'): void {
    if (during === 'run' && error.kind !== 'device-lost') {
      this.#runError = error;
      this.#status = this.#model ? 'ready' : 'error';
      return;
    }
    this.#loadError = error;
    this.#status = 'error';
    this.#model = null;
    // A lost GPU device cannot be recovered in the same worker (ORT keeps one device per worker), and a
    // failed load may leave a grown wasm heap or half-created sessions behind: a fresh worker for the next load.
    this.#restartWorker();
  }

  #restartWorker(): void {
    this.#worker.terminate();
    this.#worker = this.#createWorker();
    this.#api = wrap<InferenceApi>(this.#worker);
  }

  /** Ends the worker and its model; the client is unusable afterwards. */
  dispose(): void {
    this.#serial++;
    this.#worker.terminate();
  }
}
