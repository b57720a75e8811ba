/**
 * The main thread's typed proxy of the inference worker: owns the worker (and replaces it on `restart`),
 * forwards load / ask / chat / stop, and turns the worker's failure values into AppError (app-error.ts). It
 * keeps no UI state and no policy: model-load.svelte.ts and model-run.svelte.ts decide what a result means.
 */
import { proxy, transfer, wrap, type Remote } from 'comlink';
import { AppError, valueOf } from '../lib/protocol/app-error.ts';
import type {
  AskRequest,
  AskResult,
  ChatRequest,
  ClipSource,
  EvidenceCheck,
  InferenceApi,
  InferenceErrorKind,
  InferenceOutcome,
  LoadOptions,
  LoadProgress,
  LoadResult,
  ModelSource,
  RewatchClip,
  RunProgress,
} from '../lib/protocol/inference-protocol.ts';
import type { RewatchEvidence } from '../lib/trace/trace-evidence.ts';

/** A failure of the inference worker, by kind. */
export type InferenceError = AppError<InferenceErrorKind>;

/** Streamed text pieces and the progress before the first token. */
export interface RunCallbacks {
  onToken(piece: string): void;
  onProgress(progress: RunProgress): void;
}

/** A grounded ask's page side: the clip of each cited range, and each re-watch once its clip is appended. */
export interface GroundedCallbacks {
  clipFrames: ClipSource;
  onRewatch(rewatch: RewatchEvidence): void;
}

function defaultWorker(): Worker {
  return new Worker(new URL('../../workers/inference/inference.worker.ts', import.meta.url), {
    type: 'module',
    name: 'inference',
  });
}

export class InferenceClient {
  readonly #createWorker: () => Worker;
  #worker: Worker;
  #api: Remote<InferenceApi>;

  /** `createWorker` lets tests wrap the worker (e.g. hide WebGPU); the app uses the default. */
  constructor(createWorker: () => Worker = defaultWorker) {
    this.#createWorker = createWorker;
    this.#worker = createWorker();
    this.#api = wrap<InferenceApi>(this.#worker);
  }

  /** Loads a model (the worker releases the one it holds first). @throws InferenceError */
  load(source: ModelSource, options: LoadOptions, onProgress: (p: LoadProgress) => void): Promise<LoadResult> {
    return this.#call(() => this.#api.load(source, options, proxy(onProgress)), 'load-failed');
  }

  /**
   * Answers a question about a video. The frames' buffers are transferred to the worker, not copied: the
   * caller's `request.frames.frames` are empty afterwards. A grounded request (`request.grounded`) needs
   * `grounded`'s clips; they are copied to the worker, so the page may keep them. @throws InferenceError
   */
  ask(request: AskRequest, callbacks: RunCallbacks, grounded?: GroundedCallbacks): Promise<AskResult> {
    return this.#call(() => {
      const buffers = new Set(request.frames.frames.map((f) => f.buffer).filter((b) => b instanceof ArrayBuffer));
      return this.#api.ask(
        transfer(request, [...buffers]),
        proxy(callbacks.onToken),
        proxy(callbacks.onProgress),
        grounded && proxy(grounded.clipFrames),
        grounded && proxy(grounded.onRewatch),
      );
    }, 'generation-failed');
  }

  /** Whether `clip` shows `observation`, by the loaded model (the clip is copied); null when stopped. @throws InferenceError */
  checkEvidence(observation: string, clip: RewatchClip): Promise<EvidenceCheck | null> {
    return this.#call(() => this.#api.checkEvidence(observation, clip), 'generation-failed');
  }

  /** Any prompt with images and videos (copied, so a caller may reuse its visuals). @throws InferenceError */
  chat(request: ChatRequest, callbacks: RunCallbacks): Promise<AskResult> {
    return this.#call(
      () => this.#api.chat(request, proxy(callbacks.onToken), proxy(callbacks.onProgress)),
      'generation-failed',
    );
  }

  /** Interrupts the running generation; resolves once the worker has seen the request. */
  async stop(): Promise<void> {
    await this.#api.stop();
  }

  /** A fresh worker (a fresh wasm heap and GPU device); calls still pending on the old one never settle. */
  restart(): void {
    this.#worker.terminate();
    this.#worker = this.#createWorker();
    this.#api = wrap<InferenceApi>(this.#worker);
  }

  /** Ends the worker and its model; the client is unusable afterwards. */
  dispose(): void {
    this.#worker.terminate();
  }

  /** The value, or an InferenceError: the worker's own, or `fallback` for anything else (a crash, a bug). */
  async #call<T>(call: () => Promise<InferenceOutcome<T>>, fallback: InferenceErrorKind): Promise<T> {
    let outcome: InferenceOutcome<T>;
    try {
      outcome = await call();
    } catch (error) {
      throw new AppError(fallback, error instanceof Error ? error.message : String(error), { cause: error });
    }
    return valueOf(outcome);
  }
}
