/**
 * The inference worker's state: at most one loaded model (a singleton per source and options) with its
 * conversation (KV cache and vision features kept for the next question), at most one running generation,
 * and the stop flag. Exposed through comlink by inference.worker.ts; the model runs through the project's own
 * generation loop (run-chat.ts) on onnxruntime-web. Failures are thrown as AppError inside and returned as
 * failure values (app-error.ts) by the API's methods.
 */
import type * as Ort from 'onnxruntime-web';
import type {
  AskRequest,
  AskResult,
  ChatRequest,
  ClipSource,
  EvidenceCheck,
  InferenceApi,
  InferenceOutcome,
  LoadOptions,
  LoadProgress,
  LoadResult,
  ModelSource,
  RewatchClip,
  RunProgress,
} from '../../src/lib/protocol/inference-protocol.ts';
import type { RewatchEvidence } from '../../src/lib/trace/trace-evidence.ts';
import type { CitedRange } from '../../src/lib/preprocess/rewatch-clip.ts';
import { formatTime } from '../../src/lib/trace/timestamps.ts';
import { AppError, outcomeOf } from '../../src/lib/protocol/app-error.ts';
import { chooseDevice } from './device-choice.ts';
import { watchDeviceLoss } from './device-loss.ts';
import { LoadedModel, ModelLayoutError } from './loaded-model.ts';
import { MissingModelFile } from './model-folder.ts';
import { checkEvidence, runGrounded } from './grounded-run.ts';
import { askToChat } from './rewatch-chat.ts';
import { asBadInput, ChatSession, runChat, type RunControl } from './run-chat.ts';
import { webBackend } from './web-backend.ts';
import { deviceForOrt } from './webgpu-device.ts';
import { sourceKey, webModelFolder } from './web-model-folder.ts';

interface LoadedState {
  session: ChatSession;
  result: LoadResult;
}

interface LoadSlot {
  key: string;
  promise: Promise<LoadedState>;
}

/** How long a failed run waits for a pending device loss to be reported. */
const DEVICE_LOSS_GRACE_MS = 1000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Memory exhaustion in any of its guises: a JS allocation, the wasm heap, a GPU buffer, ORT's allocator. */
function isOutOfMemory(error: unknown): boolean {
  const text = `${error instanceof Error ? `${error.name} ${error.message}` : String(error)}`;
  return /out of memory|array buffer allocation failed|invalid array length|cannot allocate|bad_alloc|failed to allocate|memory access out of bounds|OrtMalloc/i.test(
    text,
  );
}

/** A load failure in words a person can act on. */
function loadFailure(error: unknown, device: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ModelLayoutError || error instanceof MissingModelFile)
    return new AppError('load-failed', error.message, { cause: error });
  if (isOutOfMemory(error)) {
    const advice =
      device === 'wasm'
        ? 'WASM addresses at most 4 GiB: choose WebGPU, or a smaller model or dtype.'
        : 'close other tabs or applications using the GPU, or choose a smaller model or dtype.';
    return new AppError(
      'out-of-memory',
      `Out of memory while loading the model on ${device === 'wasm' ? 'WASM' : 'WebGPU'} (${messageOf(error)}): ${advice}`,
      { cause: error },
    );
  }
  return new AppError('load-failed', `could not load the model: ${messageOf(error)}`, { cause: error });
}

/** The page's clip of `cited`; a failure to decode it, in words that name the range. */
async function clipOrFailure(clipFrames: ClipSource, cited: CitedRange): Promise<RewatchClip | null> {
  try {
    return await clipFrames(cited);
  } catch (error) {
    const span =
      cited.end === undefined ? formatTime(cited.start) : `${formatTime(cited.start)}-${formatTime(cited.end)}`;
    throw new AppError(
      'generation-failed',
      `the frames of ${span} could not be decoded for a re-watch: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
}

export class InferenceService implements InferenceApi {
  #slot: LoadSlot | null = null;
  /** The running generation's end (settled, never rejecting), or null when idle. */
  #running: Promise<void> | null = null;
  #stopRequested = false;
  /** Set once the WebGPU device is gone; every later call fails with it. */
  #deviceLost: string | null = null;
  /** Settles once a loss of the current WebGPU device has been handled; null on WASM. */
  #lossHandled: Promise<void> | null = null;

  constructor(private readonly ort: typeof Ort) {}

  load(
    source: ModelSource,
    options: LoadOptions,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<InferenceOutcome<LoadResult>> {
    return outcomeOf(() => this.#loadOnce(source, options, onProgress));
  }

  /** One load per source and options: the same one again waits for (or returns) the first. */
  #loadOnce(source: ModelSource, options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadResult> {
    this.#assertDevice();
    const key = `${sourceKey(source)}|${options.device}|${options.dtype}|${options.wasmFits ?? true}`;
    if (this.#slot?.key === key) return this.#slot.promise.then((m) => m.result);
    if (this.#running)
      return Promise.reject(new AppError('busy', 'a generation is running: stop it before loading another model'));
    const previous = this.#slot;
    const promise = (async () => {
      // The old sessions go first: two models at once may not fit in memory.
      if (previous)
        await previous.promise.then(
          (m) => m.session.release(),
          () => undefined,
        );
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

  async #load(source: ModelSource, options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadedState> {
    const choice = await chooseDevice(options.device, options.wasmFits);
    try {
      const gpu = choice.device === 'webgpu' ? await deviceForOrt() : undefined;
      const backend = webBackend(this.ort, choice.device, { device: gpu });
      const folder = webModelFolder(source, (file, loaded, total) => onProgress?.({ file, loaded, total }));
      const model = await LoadedModel.open(folder, backend, options.dtype, { onProgress });
      const session = new ChatSession(model);
      this.#lossHandled = gpu
        ? watchDeviceLoss(gpu, (message) => {
            this.#deviceLost = message;
            this.#stopRequested = true;
          })
        : null;
      return {
        session,
        result: {
          source,
          device: choice.device,
          dtype: options.dtype,
          deviceReason: choice.reason,
          kvInPlace: session.context.cache.inPlace,
        },
      };
    } catch (error) {
      throw loadFailure(error, choice.device);
    }
  }

  ask(
    request: AskRequest,
    onToken?: (text: string) => void,
    onProgress?: (p: RunProgress) => void,
    clipFrames?: ClipSource,
    onRewatch?: (rewatch: RewatchEvidence) => void,
  ): Promise<InferenceOutcome<AskResult>> {
    const { grounded } = request;
    return outcomeOf(() =>
      this.#exclusive(
        (session, control) => {
          const chat = asBadInput(() => askToChat(request));
          if (!grounded || !clipFrames) return runChat(session, chat, control);
          return runGrounded(session, chat, control, {
            ...grounded,
            clipFrames: (cited) => clipOrFailure(clipFrames, cited),
            onRewatch: onRewatch && ((rewatch) => void onRewatch(rewatch)),
          });
        },
        { onToken, onProgress },
      ),
    );
  }

  chat(
    request: ChatRequest,
    onToken?: (text: string) => void,
    onProgress?: (p: RunProgress) => void,
  ): Promise<InferenceOutcome<AskResult>> {
    return outcomeOf(() =>
      this.#exclusive((session, control) => runChat(session, request, control), { onToken, onProgress }),
    );
  }

  checkEvidence(observation: string, clip: RewatchClip): Promise<InferenceOutcome<EvidenceCheck | null>> {
    return outcomeOf(() =>
      this.#exclusive(async (session, control) => {
        // A cold run in its own context on the same model: the conversation's KV cache stays as it was, and
        // its vision features (the clips grounded re-watch appended, those of earlier checks) are reused.
        const checked = await checkEvidence(session.model, observation, clip, control, session);
        return checked && { question: checked.question, score: checked.score, verdict: checked.verdict };
      }, {}),
    );
  }

  /**
   * Runs `work` on the loaded model as the one running generation: 'busy' while another runs, 'not-loaded'
   * without a model, stop() honoured through the control, failures turned into kinds a person can act on.
   */
  async #exclusive<T>(
    work: (session: ChatSession, control: RunControl) => Promise<T>,
    callbacks: Pick<RunControl, 'onToken' | 'onProgress'>,
  ): Promise<T> {
    this.#assertDevice();
    if (this.#running) throw new AppError('busy', 'a generation is already running: stop it first');
    if (!this.#slot) throw new AppError('not-loaded', 'no model is loaded');
    let ended!: () => void;
    this.#running = new Promise((resolve) => (ended = resolve));
    this.#stopRequested = false;
    try {
      const { session } = await this.#slot.promise.catch((error: unknown) => {
        throw new AppError('not-loaded', `the model failed to load: ${messageOf(error)}`);
      });
      const result = await work(session, { shouldStop: () => this.#stopRequested, ...callbacks });
      // A loss mid-run interrupts the generation: its partial text is no answer.
      this.#assertDevice();
      return result;
    } catch (error) {
      // A lost GPU often shows first as a failed buffer read, before device.lost settles: wait briefly for
      // it so the person is told the device was lost, not shown the runtime's raw message.
      if (this.#lossHandled) await Promise.race([this.#lossHandled, delay(DEVICE_LOSS_GRACE_MS)]);
      this.#assertDevice();
      if (error instanceof AppError) throw error;
      if (isOutOfMemory(error)) {
        throw new AppError(
          'out-of-memory',
          `Out of memory while answering (${messageOf(error)}): try fewer frames, a shorter answer, or a smaller model. The model stays loaded.`,
          { cause: error },
        );
      }
      throw new AppError('generation-failed', `generation failed: ${messageOf(error)}`, { cause: error });
    } finally {
      this.#running = null;
      ended();
    }
  }

  stop(): void {
    this.#stopRequested = true;
  }

  async unload(): Promise<void> {
    const slot = this.#slot;
    this.#slot = null;
    this.#stopRequested = true;
    // Sessions are released only after the interrupted generation has stopped using them.
    await this.#running;
    if (slot)
      await slot.promise.then(
        (m) => m.session.release(),
        () => undefined,
      );
  }

  #assertDevice(): void {
    if (this.#deviceLost) throw new AppError('device-lost', this.#deviceLost);
  }
}
