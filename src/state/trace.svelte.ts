/**
 * The trace on screen: raw model text, its parsed steps, and what it is about (video, question, model,
 * settings, timings). Either live (a run pushes its text pieces with `append`, parsed incrementally as they
 * arrive) or fixed (a finished run, an import).
 */
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

  /** Replaces the trace with an empty live one; `append` adds the run's text until `end`. */
  begin(meta: TraceMeta) {
    this.#parser = new TraceParser();
    this.#raw = '';
    this.#steps = [];
    this.#meta = meta;
    this.#origin = 'run';
    this.#note = '';
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
  }

  #fix(text: string) {
    this.#parser = null;
    this.#raw = text;
    this.#steps = parseTrace(text);
    this.#streaming = false;
  }
}
