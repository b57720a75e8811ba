/**
 * One question about one video, end to end: frames from the frames client (with progress), then the
 * model's text pushed into the trace piece by piece as the run streams it. With grounded re-watch on
 * (grounded-settings.svelte.ts), each range the model cites is decoded (rewatch-clips.ts) and shown to it
 * before it goes on, each re-watch recorded in the trace; then, if the setting says so, the evidence of each
 * observation is checked (evidence-run.svelte.ts). One run at a time; Stop and a new video end it cleanly,
 * keeping whatever text it had written.
 */
import { observationsToCheck } from '../lib/generation/evidence-check.ts';
import { DEFAULT_MAX_NEW_TOKENS } from '../lib/generation/generation-defaults.ts';
import { runEndingNote } from '../lib/trace/run-ending.ts';
import { AppError } from '../lib/protocol/app-error.ts';
import type { ExtractProgress } from '../lib/protocol/frames-protocol.ts';
import type { ModelSource, RunProgress } from '../lib/protocol/inference-protocol.ts';
import { catalogEntryOf, runSettings } from '../lib/generation/run-settings.ts';
import type { EvidenceRun } from './evidence-run.svelte.ts';
import type { FramesClient } from './frames-client.ts';
import type { GroundedSettings } from './grounded-settings.svelte.ts';
import type { Inference } from './inference.ts';
import type { GroundedHooks } from './model-run.svelte.ts';
import type { RewatchClips } from './rewatch-clips.ts';
import type { TraceState } from './trace.svelte.ts';

/** 'checking': the evidence check after a grounded answer. */
export type RunPhase = 'idle' | 'extracting' | 'generating' | 'checking';

export interface RunInput {
  file: Blob;
  videoName: string;
  question: string;
  /**
   * Test hook (the tiny test models never write actions): with grounded re-watch on, assistant text appended
   * as if generated before the first token (inference-protocol.ts GroundedRequest.forcedPrefix).
   */
  forcedPrefix?: string;
}

/** What a run needs besides the frames and the model: the trace it fills and the grounded re-watch parts. */
export interface AskRunParts {
  trace: TraceState;
  grounded: GroundedSettings;
  clips: RewatchClips;
  evidence: EvidenceRun;
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
  #grounded: GroundedSettings;
  #clips: RewatchClips;
  #evidence: EvidenceRun;
  #phase = $state<RunPhase>('idle');
  #progress = $state.raw<ExtractProgress | null>(null);
  /** Why the run is being ended early (set by stop/cancel, read when it ends). */
  #endReason = '';

  constructor(frames: FramesClient, inference: Inference, parts: AskRunParts) {
    this.#frames = frames;
    this.#inference = inference;
    this.#trace = parts.trace;
    this.#grounded = parts.grounded;
    this.#clips = parts.clips;
    this.#evidence = parts.evidence;
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
    const grounded = this.#grounded.enabled;
    const checkAfter = grounded && this.#grounded.checkAfterAnswer;
    const maxRewatches = this.#grounded.maxRewatches;
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
      const { minPixels, maxPixels, resize } = settings.frames;
      const clipSource = {
        file: input.file,
        video: { duration: frames.info.duration, videoFps: frames.info.fps },
        size: { minPixels, maxPixels, resize },
      };
      // Re-watches go into the trace as they happen; once the answer is in, its own list completes them (the
      // reports travel on their own message port, so the last may arrive after the answer).
      let shown = 0;
      let runEnded = false;
      const hooks: GroundedHooks = {
        clipFrames: (cited, signal) => this.#clips.get(clipSource, cited, signal),
        onRewatch: (rewatch) => {
          if (runEnded) return;
          this.#trace.addRewatch(rewatch);
          shown++;
        },
      };
      // The frames go to the worker (transferred): the page keeps only what the trace and the player need.
      const run = this.#inference.run;
      const result = await run.ask(
        {
          frames: { frames: frames.frames, width: frames.width, height: frames.height, sampleFps: frames.sampleFps },
          duration: frames.info.duration,
          question: input.question,
          ...settings.generation,
          ...(grounded && { grounded: { maxRewatches, forcedPrefix: input.forcedPrefix } }),
        },
        (piece) => this.#trace.append(piece),
        grounded ? hooks : undefined,
      );
      runEnded = true;
      for (const rewatch of result?.rewatches.slice(shown) ?? []) this.#trace.addRewatch(rewatch);
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
      if (error) return `The model failed: ${error.message}`;
      if (!checkAfter || !result || result.stopped || this.#endReason) return '';
      // An answer whose observations cite no time has nothing to check: no message for that.
      if (observationsToCheck(this.#trace.steps).length === 0) return '';
      this.#phase = 'checking';
      return await this.#evidence.check();
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
    else if (this.#phase === 'checking') this.#evidence.stop();
    else this.#inference.run.stop();
  }
}
