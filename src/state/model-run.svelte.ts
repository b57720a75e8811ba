/**
 * The model's runs as Svelte state: the answer streamed so far, the progress before its first token, the
 * finished run's stats and the last run's failure. A newer run supersedes an older one ("latest wins"): the
 * running generation is stopped and its caller gets null. A failed run ('bad-input', 'generation-failed',
 * 'out-of-memory' while answering) or a stopped one leaves the model loaded; only a lost GPU device unloads it
 * (model-load.svelte.ts is told).
 */
import type { AskRequest, AskResult, AskStats, ChatRequest, RunProgress } from '../lib/protocol/inference-protocol.ts';
import type { InferenceClient, InferenceError, RunCallbacks } from './inference-client.ts';

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
  ask(request: AskRequest, onToken?: (piece: string) => void): Promise<AskResult | null> {
    return this.#run((callbacks) => this.#client.ask(request, callbacks), onToken);
  }

  /** Any prompt with images and videos; same contract as ask. */
  chat(request: ChatRequest, onToken?: (piece: string) => void): Promise<AskResult | null> {
    return this.#run((callbacks) => this.#client.chat(request, callbacks), onToken);
  }

  /** Interrupts the running generation; `generating` ends when the worker says it ended. */
  stop(): void {
    void this.#client.stop();
  }

  /** Stops the running generation (its caller gets null) and waits until the worker has ended it. */
  supersede(): Promise<void> {
    this.#serial++;
    return this.#stopRunning();
  }

  async #run(
    start: (callbacks: RunCallbacks) => Promise<AskResult>,
    onToken?: (piece: string) => void,
  ): Promise<AskResult | null> {
    const serial = ++this.#serial;
    await this.#stopRunning();
    if (serial !== this.#serial) return null;
    this.#generating = true;
    this.#error = null;
    this.#text = '';
    this.#stats = null;
    this.#progress = null;
    const running = start({
      onToken: (piece) => {
        if (serial !== this.#serial) return;
        this.#progress = null;
        this.#text += piece;
        onToken?.(piece);
      },
      onProgress: (p) => {
        if (serial === this.#serial) this.#progress = p;
      },
    });
    this.#running = running;
    try {
      const result = await running;
      if (serial !== this.#serial) return null;
      this.#text = result.text;
      this.#stats = result.stats;
      return result;
    } catch (error) {
      if (serial === this.#serial) {
        this.#error = error as InferenceError;
        if (this.#error.kind === 'device-lost') this.#onDeviceLost(this.#error);
      }
      return null;
    } finally {
      if (this.#running === running) {
        this.#running = null;
        this.#generating = false;
      }
      if (serial === this.#serial) this.#progress = null;
    }
  }

  async #stopRunning(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    await this.#client.stop();
    await running.catch(() => undefined);
  }
}
