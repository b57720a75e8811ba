/**
 * The model's runs as Svelte state: the answer streamed so far, the progress before its first token, the
 * finished run's stats and the last run's failure. A newer run supersedes an older one ("latest wins"): the
 * running generation is stopped and its caller gets null. A failed run ('bad-input', 'generation-failed',
 * 'out-of-memory' while answering) or a stopped one leaves the model loaded; only a lost GPU device unloads it
 * (model-load.svelte.ts is told). An evidence check is a run too (one at a time on the worker), without text.
 */
import type { CitedRange } from '../lib/preprocess/rewatch-clip.ts';
import type {
  AskRequest,
  AskResult,
  AskStats,
  ChatRequest,
  EvidenceCheck,
  RewatchClip,
  RunProgress,
} from '../lib/protocol/inference-protocol.ts';
import type { RewatchEvidence } from '../lib/trace/trace-evidence.ts';
import type { GroundedCallbacks, InferenceClient, InferenceError, RunCallbacks } from './inference-client.ts';

/**
 * A grounded ask's page side: the clip of a cited range, whose decode is to be cancelled when `signal` aborts
 * (Stop, or a newer run), and each re-watch as it happens.
 */
export interface GroundedHooks {
  clipFrames(cited: CitedRange, signal: AbortSignal): Promise<RewatchClip>;
  onRewatch(rewatch: RewatchEvidence): void;
}

export class ModelRunState {
  #generating = $state(false);
  #text = $state('');
  #progress = $state.raw<RunProgress | null>(null);
  #stats = $state.raw<AskStats | null>(null);
  #error = $state.raw<InferenceError | null>(null);

  readonly #client: InferenceClient;
  readonly #onDeviceLost: (error: InferenceError) => void;
  /** Increases with every run and supersede; a run whose number is no longer current was superseded. */
  #serial = 0;
  #running: Promise<unknown> | null = null;
  /** Aborted when the running run is stopped or superseded: cancels its pending clip decode. */
  #abort: AbortController | null = null;

  constructor(client: InferenceClient, onDeviceLost: (error: InferenceError) => void) {
    this.#client = client;
    this.#onDeviceLost = onDeviceLost;
  }

  get generating(): boolean {
    return this.#generating;
  }
  /** The answer streamed so far (the whole answer once done). */
  get text(): string {
    return this.#text;
  }
  /** Vision-encoder and prefill progress of the running question, until its first token (null otherwise). */
  get progress(): RunProgress | null {
    return this.#progress;
  }
  get stats(): AskStats | null {
    return this.#stats;
  }
  /** The last run's failure (null once a run succeeds). */
  get error(): InferenceError | null {
    return this.#error;
  }

  /**
   * Asks about a video; its frames are transferred to the worker. `onToken` also gets each streamed piece
   * (the trace is fed from it). Resolves null when superseded or failed (see `error`).
   */
  ask(request: AskRequest, onToken?: (piece: string) => void, grounded?: GroundedHooks): Promise<AskResult | null> {
    return this.#run(
      (callbacks, signal) => this.#client.ask(request, callbacks, grounded && groundedCallbacks(grounded, signal)),
      onToken,
    );
  }

  /** Any prompt with images and videos; same contract as ask. */
  chat(request: ChatRequest, onToken?: (piece: string) => void): Promise<AskResult | null> {
    return this.#run((callbacks) => this.#client.chat(request, callbacks), onToken);
  }

  /**
   * Asks the loaded model whether `clip` shows `observation` (src/lib/generation/evidence-check.ts). Resolves
   * null when stopped, superseded or failed (see `error`).
   */
  checkEvidence(observation: string, clip: RewatchClip): Promise<EvidenceCheck | null> {
    return this.#exclusive(() => this.#client.checkEvidence(observation, clip));
  }

  /** Interrupts the running generation; `generating` ends when the worker says it ended. */
  stop(): void {
    void this.#client.stop();
    this.#abort?.abort();
  }

  /** Stops the running generation (its caller gets null) and waits until the worker has ended it. */
  supersede(): Promise<void> {
    this.#serial++;
    return this.#stopRunning();
  }

  #run(
    start: (callbacks: RunCallbacks, signal: AbortSignal) => Promise<AskResult>,
    onToken?: (piece: string) => void,
  ): Promise<AskResult | null> {
    return this.#exclusive(
      async (serial, signal) => {
        const result = await start(
          {
            onToken: (piece) => {
              if (serial !== this.#serial) return;
              this.#progress = null;
              this.#text += piece;
              onToken?.(piece);
            },
            onProgress: (p) => {
              if (serial === this.#serial) this.#progress = p;
            },
          },
          signal,
        );
        if (serial === this.#serial) {
          this.#text = result.text;
          this.#stats = result.stats;
        }
        return result;
      },
      () => {
        this.#text = '';
        this.#stats = null;
      },
    );
  }

  /**
   * Runs `start` as the one run on the worker: the running one is stopped first, a newer one supersedes it
   * (its caller gets null), and a failure is kept in `error`. `begin` resets a run's own state once it starts.
   */
  async #exclusive<T>(
    start: (serial: number, signal: AbortSignal) => Promise<T>,
    begin?: () => void,
  ): Promise<T | null> {
    const serial = ++this.#serial;
    await this.#stopRunning();
    if (serial !== this.#serial) return null;
    this.#generating = true;
    this.#error = null;
    this.#progress = null;
    begin?.();
    const abort = new AbortController();
    this.#abort = abort;
    const running = start(serial, abort.signal);
    this.#running = running;
    try {
      const result = await running;
      return serial === this.#serial ? result : null;
    } catch (error) {
      if (serial === this.#serial) {
        this.#error = error as InferenceError;
        if (this.#error.kind === 'device-lost') this.#onDeviceLost(this.#error);
      }
      return null;
    } finally {
      if (this.#running === running) {
        this.#running = null;
        this.#abort = null;
        this.#generating = false;
      }
      if (serial === this.#serial) this.#progress = null;
    }
  }

  async #stopRunning(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#abort?.abort();
    await this.#client.stop();
    await running.catch(() => undefined);
  }
}

/**
 * The worker's side of `hooks`: a clip whose decode was cancelled by `signal` (the run was stopped) is null,
 * which ends the grounded run as stopped.
 */
function groundedCallbacks(hooks: GroundedHooks, signal: AbortSignal): GroundedCallbacks {
  return {
    clipFrames: async (cited) => {
      try {
        return await hooks.clipFrames(cited, signal);
      } catch (error) {
        if (signal.aborted) return null;
        throw error;
      }
    },
    onRewatch: (rewatch) => hooks.onRewatch(rewatch),
  };
}
