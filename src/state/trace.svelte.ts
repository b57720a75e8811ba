/**
 * The trace on screen: raw model text, its parsed steps, what it is about (video, question, model, settings,
 * timings), and its evidence (grounded re-watches and observation scores, trace-evidence.ts). Either live (a run pushes its text pieces with `append`, parsed incrementally as they
 * arrive) or fixed (a finished run, an import).
 */
import { evidenceTally, rewatchesByStep, unshownEvidence } from '../lib/trace/evidence-steps.ts';
import type { ObservationEvidence, RewatchEvidence } from '../lib/trace/trace-evidence.ts';
import type { ImportedTrace, TraceMeta, TraceTimings } from '../lib/trace/trace-export.ts';
import { parseTrace, TraceParser, type TraceStep } from '../lib/trace/trace-parser.ts';

export type TraceOrigin = 'run' | 'import';

export class TraceState {
  #raw = $state('');
  #steps = $state.raw<TraceStep[]>([]);
  /** Parses the live text as it grows; null when the trace is fixed. */
  #parser: TraceParser | null = null;
  #streaming = $state(false);
  #meta = $state.raw<TraceMeta | null>(null);
  #origin = $state<TraceOrigin>('run');
  /** Why the text ended early (stopped, cancelled, failed), for a note under the trace. */
  #note = $state('');
  #rewatches = $state.raw<RewatchEvidence[]>([]);
  /** One entry per checked observation step, in step order. */
  #evidence = $state.raw<ObservationEvidence[]>([]);

  get raw(): string {
    return this.#raw;
  }
  get steps(): TraceStep[] {
    return this.#steps;
  }
  get meta(): TraceMeta | null {
    return this.#meta;
  }
  get origin(): TraceOrigin {
    return this.#origin;
  }
  get streaming(): boolean {
    return this.#streaming;
  }
  get note(): string {
    return this.#note;
  }
  get isEmpty(): boolean {
    return this.#meta === null;
  }
  /** The clips grounded re-watch showed the model, in the order they were inserted. */
  get rewatches(): RewatchEvidence[] {
    return this.#rewatches;
  }
  get evidence(): ObservationEvidence[] {
    return this.#evidence;
  }
  /** Each re-watch by the index of the action step it followed. */
  rewatchByStep = $derived(rewatchesByStep(this.#raw, this.#rewatches));
  /** Each observation's score by its step index. */
  evidenceByStep = $derived(new Map(this.#evidence.map((e) => [e.step, e])));
  /** Checked observations whose frames no re-watch filmstrip shows, by step: they get their own. */
  evidenceFrames = $derived(unshownEvidence(this.#steps, this.rewatchByStep, this.#evidence));
  /** Supported of checked observations, for the answer. */
  tally = $derived(evidenceTally(this.#evidence));

  /** A clip grounded re-watch has just inserted. */
  addRewatch(rewatch: RewatchEvidence) {
    this.#rewatches = [...this.#rewatches, rewatch];
  }

  /** An observation's score; replaces an earlier score of the same step (a second check). */
  setEvidence(entry: ObservationEvidence) {
    const others = this.#evidence.filter((e) => e.step !== entry.step);
    this.#evidence = [...others, entry].sort((a, b) => a.step - b.step);
  }

  /** Replaces the trace with an empty live one; `append` adds the run's text until `end`. */
  begin(meta: TraceMeta) {
    this.#parser = new TraceParser();
    this.#raw = '';
    this.#steps = [];
    this.#meta = meta;
    this.#origin = 'run';
    this.#note = '';
    this.#rewatches = [];
    this.#evidence = [];
    this.#streaming = true;
  }

  /** A piece of the live run's text (ignored once the trace is fixed). */
  append(piece: string) {
    if (!this.#parser || !piece) return;
    this.#raw += piece;
    this.#steps = this.#parser.push(piece);
  }

  /** Fixes the final text; `note` says why it ended early, if it did. */
  end(text: string, timings: TraceTimings | null, note = '') {
    if (timings && this.#meta) this.#meta = { ...this.#meta, timings };
    this.#fix(text);
    this.#note = note;
  }

  load(trace: ImportedTrace) {
    const { video, question, model, settings, timings } = trace;
    this.#fix(trace.raw);
    this.#meta = { video, question, model, settings, timings };
    this.#origin = 'import';
    this.#note = '';
    this.#rewatches = trace.rewatches;
    this.#evidence = trace.evidence;
  }

  /** The fixed trace on screen, whole: what the question history keeps of it (`restore` puts it back). */
  snapshot() {
    return {
      raw: this.#raw,
      steps: this.#steps,
      meta: this.#meta,
      origin: this.#origin,
      note: this.#note,
      rewatches: this.#rewatches,
      evidence: this.#evidence,
    };
  }

  restore(snapshot: TraceSnapshot) {
    this.#parser = null;
    this.#streaming = false;
    this.#raw = snapshot.raw;
    this.#steps = snapshot.steps;
    this.#meta = snapshot.meta;
    this.#origin = snapshot.origin;
    this.#note = snapshot.note;
    this.#rewatches = snapshot.rewatches;
    this.#evidence = snapshot.evidence;
  }

  #fix(text: string) {
    this.#parser = null;
    this.#raw = text;
    this.#steps = parseTrace(text);
    this.#streaming = false;
  }
}

export type TraceSnapshot = Readonly<ReturnType<TraceState['snapshot']>>;
