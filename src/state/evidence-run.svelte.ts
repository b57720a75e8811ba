/**
 * "Check evidence": every observation of the trace on screen that its step ties to a cited time or range
 * (src/lib/generation/evidence-check.ts observationsToCheck) is scored by the loaded model against the clip of
 * that range (rewatch-clips.ts: the clips grounded re-watch already decoded are reused), one after the other,
 * each score going into the trace as it comes (trace-evidence.ts ObservationEvidence). Works on a run's trace
 * and on an imported one, given a loaded model and the trace's video open. Stop ends it between two frames
 * decodes or model chunks; the scores so far stay.
 */
import { observationsToCheck } from '../lib/generation/evidence-check.ts';
import { runSettings } from '../lib/generation/run-settings.ts';
import { AppError } from '../lib/protocol/app-error.ts';
import { formatTime } from '../lib/trace/timestamps.ts';
import type { Inference } from './inference.ts';
import type { ClipVideoFile, RewatchClips } from './rewatch-clips.ts';
import type { FramesClient } from './frames-client.ts';
import type { TraceState } from './trace.svelte.ts';

/** The video the evidence is checked against: the one open in the player. */
export interface OpenVideo {
  file: Blob;
  name: string;
}

export interface EvidenceProgress {
  /** Observations checked so far, of `total`. */
  done: number;
  total: number;
}

export class EvidenceRun {
  readonly #frames: FramesClient;
  readonly #inference: Inference;
  readonly #trace: TraceState;
  readonly #clips: RewatchClips;
  readonly #video: () => OpenVideo | null;
  #progress = $state.raw<EvidenceProgress | null>(null);
  /** The running check's cancel, null when idle. */
  #abort: AbortController | null = null;

  constructor(
    frames: FramesClient,
    inference: Inference,
    trace: TraceState,
    clips: RewatchClips,
    video: () => OpenVideo | null,
  ) {
    this.#frames = frames;
    this.#inference = inference;
    this.#trace = trace;
    this.#clips = clips;
    this.#video = video;
  }

  get running(): boolean {
    return this.#progress !== null;
  }
  /** Observations checked so far, of how many (null when idle). */
  get progress(): EvidenceProgress | null {
    return this.#progress;
  }

  /** Checks every observation of the trace on screen; resolves to a message for a person when it could not, else ''. */
  async check(): Promise<string> {
    if (this.running) return 'The evidence is already being checked. Wait for it to finish, or press Stop.';
    const model = this.#inference.model.loaded;
    if (!model) return 'Load a model first to check the evidence (see the model panel at the top).';
    const trace = this.#trace;
    if (trace.isEmpty) return 'There is no trace to check: ask a question or import a trace first.';
    if (trace.streaming) return 'Wait for the answer to finish before checking its evidence.';
    const video = this.#video();
    const madeFor = trace.meta?.video?.name;
    if (!video)
      return `Open the trace's video${madeFor ? ` ("${madeFor}")` : ''} to check its evidence against its frames.`;
    if (madeFor && madeFor !== video.name)
      return `This trace was made for "${madeFor}", but the player shows "${video.name}": open "${madeFor}" to check its evidence.`;
    const checks = observationsToCheck(trace.steps);
    if (checks.length === 0) return 'No observation in this trace cites a time or range: there is nothing to check.';

    const abort = new AbortController();
    this.#abort = abort;
    this.#progress = { done: 0, total: checks.length };
    const raw = trace.raw;
    /** What was being read when a decode failed, for the message. */
    let reading = 'the video';
    try {
      const info = await this.#frames.probe(video.file);
      const { minPixels, maxPixels, resize } = runSettings(model.source, location.href).frames;
      const source: ClipVideoFile = {
        file: video.file,
        video: { duration: info.duration, videoFps: info.fps },
        size: { minPixels, maxPixels, resize },
      };
      for (const [i, check] of checks.entries()) {
        const { start, end } = check.cited;
        reading = end === undefined ? formatTime(start) : `${formatTime(start)}-${formatTime(end)}`;
        const clip = await this.#clips.get(source, check.cited, abort.signal);
        if (abort.signal.aborted) break;
        const checked = await this.#inference.run.checkEvidence(check.observation, clip);
        if (!checked) {
          const error = this.#inference.run.error;
          if (error) return `The evidence check failed: ${error.message}`;
          break;
        }
        // Another trace on screen now (an import, a new question): these scores are not its own.
        if (trace.raw !== raw) break;
        trace.setEvidence({
          step: check.step,
          observation: check.observation,
          start: clip.start,
          end: clip.end,
          times: clip.times,
          question: checked.question,
          score: checked.score,
          verdict: checked.verdict,
        });
        this.#progress = { done: i + 1, total: checks.length };
      }
      return '';
    } catch (e) {
      if (e instanceof AppError && e.kind === 'cancelled') return '';
      const reason = e instanceof Error ? e.message : String(e);
      return `Could not read the frames of ${reading} to check the evidence: ${reason}`;
    } finally {
      this.#abort = null;
      this.#progress = null;
    }
  }

  /** Ends a running check (the scores so far stay). */
  stop(): void {
    if (!this.#abort) return;
    this.#abort.abort();
    this.#inference.run.stop();
  }
}
