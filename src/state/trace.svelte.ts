/**
 * The trace on screen: raw model text, its parsed steps, and what it is about (video, question, model,
 * settings, timings). Either live (following the text a run is streaming, parsed incrementally) or fixed
 * (a finished run, an import).
 */
import type { ImportedTrace, TraceMeta, TraceTimings } from '../lib/trace/trace-export.ts';
import { parseTrace, TraceParser, type TraceStep } from '../lib/trace/trace-parser.ts';

export type TraceOrigin = 'run' | 'import';

export class TraceState {
  #text = $state('');
  /** While a run streams: reads the text generated so far. */
  #live = $state.raw<(() => string) | null>(null);
  #parser = new TraceParser();
  #meta = $state.raw<TraceMeta | null>(null);
  #origin = $state<TraceOrigin>('run');
  /** Why the text ended early (stopped, cancelled, failed), for a note under the trace. */
  #note = $state('');

  raw = $derived(this.#live ? this.#live() : this.#text);
  steps: TraceStep[] = $derived(this.#live ? this.#follow(this.raw) : parseTrace(this.raw));

  get meta(): TraceMeta | null {
    return this.#meta;
  }
  get origin(): TraceOrigin {
    return this.#origin;
  }
  get streaming(): boolean {
    return this.#live !== null;
  }
  get note(): string {
    return this.#note;
  }
  get isEmpty(): boolean {
    return this.#meta === null;
  }

  /** Parses only what was added since the last read (a stream only grows; anything else starts over). */
  #follow(raw: string): TraceStep[] {
    if (!raw.startsWith(this.#parser.raw)) this.#parser = new TraceParser();
    const added = raw.slice(this.#parser.raw.length);
    return added ? this.#parser.push(added) : this.#parser.steps;
  }

  /** Replaces the trace with one that follows `live` until `end`. */
  begin(meta: TraceMeta, live: () => string) {
    this.#parser = new TraceParser();
    this.#meta = meta;
    this.#origin = 'run';
    this.#note = '';
    this.#live = live;
  }

  /** Fixes the final text; `note` says why it ended early, if it did. */
  end(text: string, timings: TraceTimings | null, note = '') {
    if (timings && this.#meta) this.#meta = { ...this.#meta, timings };
    this.#text = text;
    this.#note = note;
    this.#live = null;
  }

  load(trace: ImportedTrace) {
    const { video, question, model, settings, timings } = trace;
    this.#text = trace.raw;
    this.#meta = { video, question, model, settings, timings };
    this.#origin = 'import';
    this.#note = '';
    this.#live = null;
  }
}
