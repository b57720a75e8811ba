/**
 * The inference worker's state: at most one loaded model (a singleton per source and options), at most one
 * running generation, and the stop flag. Exposed through comlink by inference.worker.ts.
 */
import { InterruptableStoppingCriteria } from '@huggingface/transformers';
import type {
  AskRequest,
  AskResult,
  ChatRequest,
  InferenceApi,
  LoadOptions,
  LoadProgress,
  LoadResult,
  ModelSource,
} from '../../src/lib/inference-protocol.ts';
import { InferenceError } from '../../src/lib/inference-error.ts';
import { chooseDevice } from './device-choice.ts';
import { watchDeviceLoss } from './device-loss.ts';
import { loadModelBundle, type ModelBundle } from './model-bundle.ts';
import { useModelFiles } from './model-files.ts';
import { sourceKey } from './model-source.ts';
import { askToChat } from './rewatch-chat.ts';
import { runChat } from './run-chat.ts';
import { deviceForOrt } from './webgpu-device.ts';

interface LoadedModel {
  bundle: ModelBundle;
  result: LoadResult;
}

interface LoadSlot {
  key: string;
  promise: Promise<LoadedModel>;
}

/** How long a failed run waits for a pending device loss to be reported. */
const DEVICE_LOSS_GRACE_MS = 1000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class InferenceService implements InferenceApi {
  #slot: LoadSlot | null = null;
  /** The running generation's end (settled, never rejecting), or null when idle. */
  #running: Promise<void> | null = null;
  readonly #stopper = new InterruptableStoppingCriteria();
  /** Set once the WebGPU device is gone; every later call fails with it. */
  #deviceLost: string | null = null;
  /** Settles once a loss of the current WebGPU device has been handled; null on WASM. */
  #lossHandled: Promise<Promise<void>> | null = null;

  load(source: ModelSource, options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadResult> {
    this.#assertDevice();
    const key = `${sourceKey(source)}|${options.device}|${options.dtype}`;
    if (this.#slot?.key === key) return this.#slot.promise.then((m) => m.result);
    if (this.#running) return Promise.reject(new InferenceError('busy', 'a generation is running: stop it before loading another model'));
    const previous = this.#slot;
    const promise = (async () => {
      // The old sessions go first: two models at once may not fit in GPU memory.
      if (previous) await previous.promise.then((m) => m.bundle.model.dispose(), () => undefined);
      return this.#load(source, options, onProgress);
    })();
    const slot: LoadSlot = { key, promise };
    this.#slot = slot;
    // A failed load is forgotten so that the next call retries.
    promise.catch(() => {
      if (this.#slot === slot) this.#slot = null;
    });
    return promise.then((m) => m.result);
  }

  async #load(source: ModelSource, options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadedModel> {
    const choice = await chooseDevice(options.device);
    let bundle: ModelBundle;
    let webgpuDevice: Awaited<ReturnType<typeof deviceForOrt>> = null;
    try {
      if (choice.device === 'webgpu') webgpuDevice = await deviceForOrt();
      const name = useModelFiles(source);
      bundle = await loadModelBundle(name, { device: choice.device, dtype: options.dtype, webgpuDevice: webgpuDevice ?? undefined, onProgress });
    } catch (error) {
      if (error instanceof InferenceError) throw error;
      throw new InferenceError('load-failed', `could not load the model: ${messageOf(error)}`, { cause: error });
    }
    this.#lossHandled =
      choice.device === 'webgpu'
        ? watchDeviceLoss((message) => {
            this.#deviceLost = message;
            this.#stopper.interrupt();
          }, webgpuDevice)
        : null;
    return { bundle, result: { source, device: choice.device, dtype: options.dtype, fallbackReason: choice.fallbackReason } };
  }

  ask(request: AskRequest, onToken?: (text: string) => void): Promise<AskResult> {
    return this.#generate(() => askToChat(request), onToken);
  }

  chat(request: ChatRequest, onToken?: (text: string) => void): Promise<AskResult> {
    return this.#generate(() => request, onToken);
  }

  async #generate(toChat: () => ChatRequest, onToken?: (text: string) => void): Promise<AskResult> {
    this.#assertDevice();
    if (this.#running) throw new InferenceError('busy', 'a generation is already running: stop it first');
    if (!this.#slot) throw new InferenceError('not-loaded', 'no model is loaded');
    let ended!: () => void;
    this.#running = new Promise((resolve) => (ended = resolve));
    this.#stopper.reset();
    try {
      const { bundle } = await this.#slot.promise.catch((error: unknown) => {
        throw new InferenceError('not-loaded', `the model failed to load: ${messageOf(error)}`);
      });
      let chat: ChatRequest;
      try {
        chat = toChat();
      } catch (error) {
        throw new InferenceError('bad-input', messageOf(error), { cause: error });
      }
      const result = await runChat(bundle, chat, { stopper: this.#stopper, onToken });
      // A loss mid-run interrupts the generation: its partial text is no answer.
      this.#assertDevice();
      return result;
    } catch (error) {
      // A lost GPU often shows first as a failed buffer read, before device.lost settles: wait briefly for
      // it so the person is told the device was lost, not shown the runtime's raw message.
      if (this.#lossHandled) await Promise.race([this.#lossHandled.then((handled) => handled), delay(DEVICE_LOSS_GRACE_MS)]);
      this.#assertDevice();
      if (error instanceof InferenceError) throw error;
      throw new InferenceError('generation-failed', `generation failed: ${messageOf(error)}`, { cause: error });
    } finally {
      this.#running = null;
      ended();
    }
  }

  stop(): void {
    this.#stopper.interrupt();
  }

  async unload(): Promise<void> {
    const slot = this.#slot;
    this.#slot = null;
    this.#stopper.interrupt();
    // Sessions are released only after the interrupted generation has stopped using them.
    await this.#running;
    if (slot) await slot.promise.then((m) => m.bundle.model.dispose(), () => undefined);
  }

  #assertDevice(): void {
    if (this.#deviceLost) throw new InferenceError('device-lost', this.#deviceLost);
  }
}
