/**
 * Every question asked (or trace imported) about a video, kept with its whole trace while the page lives, one
 * list per video (by file identity, src/lib/trace/question-history.ts). Any entry can be put back on screen;
 * the entry on screen is `current`. A new question adds an entry and discards none.
 */
import type { TraceSnapshot, TraceState } from './trace.svelte.ts';

export interface HistoryEntry {
  id: number;
  /** The trace as it was last on screen (evidence checked after the run included). */
  trace: TraceSnapshot;
  /** When it was asked or imported. */
  at: Date;
}

export class QuestionHistory {
  #trace: TraceState;
  /** Video identity -> its entries, oldest first; replaced whole on every change. */
  #lists = $state.raw<ReadonlyMap<string, readonly HistoryEntry[]>>(new Map());
  #current = $state<number | null>(null);
  #lastId = 0;

  constructor(trace: TraceState) {
    this.#trace = trace;
  }

  /** Id of the entry whose trace is on screen; null when the trace on screen is in no list. */
  get current(): number | null {
    return this.#current;
  }

  /** The entries about the video with identity `video`, newest first. */
  entries(video: string | null): HistoryEntry[] {
    return video ? [...(this.#lists.get(video) ?? [])].reverse() : [];
  }

  /** Adds the (fixed) trace on screen to `video`'s list as its newest entry, the one on screen. */
  add(video: string) {
    const entry: HistoryEntry = { id: ++this.#lastId, trace: this.#trace.snapshot(), at: new Date() };
    this.#lists = new Map(this.#lists).set(video, [...(this.#lists.get(video) ?? []), entry]);
    this.#current = entry.id;
  }

  /**
   * Call before the trace on screen is replaced: its entry takes what changed since it was added (an evidence
   * check after the run, say). A live trace is not kept: its run adds it when it ends.
   */
  keep() {
    if (this.#current === null || this.#trace.streaming || this.#trace.isEmpty) return;
    const id = this.#current;
    const trace = this.#trace.snapshot();
    this.#lists = new Map(
      [...this.#lists].map(([video, list]) => [video, list.map((e) => (e.id === id ? { ...e, trace } : e))]),
    );
  }

  /** The trace on screen now belongs to no entry (an import without its video). */
  detach() {
    this.#current = null;
  }

  /** Puts an entry's trace back on screen, keeping the one there first. False when there is no such entry. */
  reopen(id: number): boolean {
    const entry = [...this.#lists.values()].flat().find((e) => e.id === id);
    if (!entry) return false;
    this.keep();
    this.#trace.restore(entry.trace);
    this.#current = id;
    return true;
  }
}
