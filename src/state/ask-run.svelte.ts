/**
 * One question about one video, end to end: frames from the frames client (with progress), then the
 * model's text pushed into the trace piece by piece as the run streams it. One run at a time; Stop and a new
 * video end it cleanly, keeping whatever text it had written.
 */
import { DEFAULT_MAX_NEW_TOKENS } from '../lib/generation/generation-defaults.ts';
import { runEndingNote } from '../lib/trace/run-ending.ts';
import { AppError } from '../lib/protocol/app-error.ts';
import type { ExtractProgress } from '../lib/protocol/frames-protocol.ts';
import type { ModelSource, RunProgress } from '../lib/protocol/inference-protocol.ts';
import { catalogEntryOf, runSettings } from '../lib/generation/run-settings.ts';
import type { FramesClient } from './frames-client.ts';
import type { Inference } from './inference.ts';
import type { TraceState } from './trace.svelte.ts';

export type RunPhase = 'idle' | 'extracting' | 'generating';

export interface RunInput {
  file: Blob;
  videoName: string;
  question: string;
}

/** The catalog's name for the model, else where it came from. */
function modelName(source: ModelSource): string {
  const entry = catalogEntryOf(source, location.href);
  if (entry) return entry.name;
  if (source.kind === 'url') return source.url;
  if (source.kind === 'hub') return source.id;
  return source.name;
}

export class AskRun {
  #frames: FramesClient;
  #inference: Inference;
  #trace: TraceState;
  #phase = $state<RunPhase>('idle');
  #progress = $state.raw<ExtractProgress | null>(null);
  /** Why the run is being ended early (set by stop/cancel, read when it ends). */
  #endReason = '';

  constructor(frames: FramesClient, inference: Inference, trace: TraceState) {
    this.#frames = frames;
    this.#inference = inference;
    this.#trace = trace;
  }

  get phase(): RunPhase {
    return this.#phase;
  }
  get running(): boolean {
    return this.#phase !== 'idle';
  }
  /** Frames decoded so far while extracting. */
  get progress(): ExtractProgress | null {
    return this.#progress;
  }
  /** The model's progress before its first token: vision encoder steps, then prompt tokens prefilled. */
  get modelProgress(): RunProgress | null {
    return this.#phase === 'generating' ? this.#inference.run.progress : null;
  }
  get modelReady(): boolean {
    return this.#inference.model.loaded !== null;
  }

  /** Runs a question; resolves to a message for a person when it failed, else ''. */
  async start(input: RunInput): Promise<string> {
    if (this.running) return 'A question is already running. Wait for it to finish, or press Stop first.';
    const model = this.#inference.model.loaded;
    if (!model) return 'Load a model first (see the model panel at the top).';
    const settings = runSettings(model.source, location.href);
    this.#endReason = '';
    this.#phase = 'extracting';
    this.#progress = null;
    try {
      const frames = await this.#frames.extract(input.file, settings.frames, (p) => (this.#progress = p));
      if (this.#endReason) return '';
      this.#phase = 'generating';
      this.#trace.begin({
        video: { name: input.videoName, duration: frames.info.duration },
        question: input.question,
        model: { name: modelName(model.source), device: model.device, dtype: model.dtype },
        settings: { ...settings.frames, ...settings.generation },
        timings: {},
      });
      // The frames go to the worker (transferred): the page keeps only what the trace and the player need.
      const run = this.#inference.run;
      const result = await run.ask(
        {
          frames: { frames: frames.frames, width: frames.width, height: frames.height, sampleFps: frames.sampleFps },
          duration: frames.info.duration,
          question: input.question,
          ...settings.generation,
        },
        (piece) => this.#trace.append(piece),
      );
      const error = run.error;
      const answered = this.#trace.steps.some((step) => step.kind === 'answer');
      const note =
        this.#endReason ||
        (result?.stopped ? 'Stopped: the model was interrupted here.' : '') ||
        (result
          ? runEndingNote(result.ended, answered, settings.generation.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS)
          : '');
      this.#trace.end(
        result?.text ?? this.#trace.raw,
        result?.stats ?? null,
        error ? `The model failed here: ${error.message}` : note,
      );
      return error ? `The model failed: ${error.message}` : '';
    } catch (e) {
      // Only the frames client throws here (the run resolves null on failure and says why in run.error).
      if (e instanceof AppError && e.kind === 'cancelled') return '';
      return e instanceof AppError
        ? `Could not read frames from the video: ${e.message}`
        : `The run failed: ${(e as Error).message}`;
    } finally {
      this.#phase = 'idle';
      this.#progress = null;
    }
  }

  /** Ends the run early; `reason` becomes the note under a partial trace. */
  stop(reason = 'Stopped: the model was interrupted here.') {
    if (!this.running) return;
    this.#endReason = reason;
    if (this.#phase === 'extracting') void this.#frames.cancel();
    else this.#inference.run.stop();
  }
}
