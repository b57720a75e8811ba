/**
 * Turns ReWatch-R1's output (`reasoning <action>..</action><observation>..</observation> ... <answer>B</answer>`)
 * into steps, incrementally while it streams. Tolerant by design: the model's text is not guaranteed to be
 * well formed, so unclosed tags end where the next tag begins, stray closing tags are dropped, and any other
 * `<...>` (including HTML) stays plain text.
 */
import { findTimes, type TimeRef } from './timestamps.ts';

export type StepKind = 'reasoning' | 'action' | 'observation' | 'answer';

export interface TraceStep {
  kind: StepKind;
  /** The step's text, trimmed, without tags. */
  text: string;
  /** Timestamps cited in `text`. */
  times: TimeRef[];
  /** False while a tag is open (still streaming, or never closed by the model). */
  closed: boolean;
  /** For an answer: the multiple-choice letter, when the answer is one. */
  choice?: string;
}

const TAG_KINDS: Record<string, StepKind> = {
  action: 'action',
  observation: 'observation',
  answer: 'answer',
  // Not part of ReWatch-R1's format, but other Qwen-based reasoners emit it; its content is reasoning.
  think: 'reasoning',
};
const TAG = /<(\/?)(action|observation|answer|think)\s*>/gi;
const TAG_NAMES = Object.keys(TAG_KINDS);

/** The multiple-choice letter of an answer like `B`, `(B)`, `B. a dog`, `Option B` or `The answer is B.` */
export function answerChoice(text: string): string | undefined {
  const t = text.trim();
  const lead = /^\(?([A-Z])(?:\)|\.|:|,|$)/.exec(t);
  if (lead) return lead[1];
  return /\b(?:answer|option|choice)\s*(?:is)?\s*:?\s*\(?([A-Z])\b(?![a-z'])/i.exec(t)?.[1]?.toUpperCase();
}

function makeStep(kind: StepKind, body: string, closed: boolean): TraceStep | null {
  const text = body.trim();
  if (!text && kind === 'reasoning') return null;
  const step: TraceStep = { kind, text, times: findTimes(text), closed };
  if (kind === 'answer') step.choice = answerChoice(text);
  return step;
}

/** Length of a trailing fragment of `text` that could still grow into a tag (`<obs`, `</ans`, `<action `). */
function pendingTagLength(text: string): number {
  const lt = text.lastIndexOf('<');
  if (lt < 0) return 0;
  const m = /^<\/?([a-z]*)(\s*)$/i.exec(text.slice(lt));
  if (!m) return 0;
  const name = m[1].toLowerCase();
  const couldBeTag = m[2] ? TAG_NAMES.includes(name) : TAG_NAMES.some((n) => n.startsWith(name));
  return couldBeTag ? text.length - lt : 0;
}

/**
 * Incremental parser: `push` each streamed chunk, `finish` at the end. Closed steps are kept and never
 * re-parsed; only the open tail is scanned again on each push.
 */
export class TraceParser {
  #raw = '';
  #committed: TraceStep[] = [];
  /** Offset in #raw where the uncommitted tail begins. */
  #tail = 0;
  /** Kind of the tag open at #tail (reasoning when none). */
  #open: StepKind = 'reasoning';
  #openTag = false;
  #steps: TraceStep[] = [];

  get raw(): string {
    return this.#raw;
  }

  /** All steps so far (a new array after each push, so it can be stored as replace-only state). */
  get steps(): TraceStep[] {
    return this.#steps;
  }

  push(chunk: string): TraceStep[] {
    this.#raw += chunk;
    return (this.#steps = this.#scan(false));
  }

  /** Ends the stream: a trailing partial tag becomes text, and an open tag stays `closed: false`. */
  finish(): TraceStep[] {
    return (this.#steps = this.#scan(true));
  }

  #scan(final: boolean): TraceStep[] {
    const text = final ? this.#raw : this.#raw.slice(0, this.#raw.length - pendingTagLength(this.#raw));
    let at = this.#tail;
    // Text of the current step before a dropped stray closing tag.
    let carried = '';
    TAG.lastIndex = at;
    for (let m = TAG.exec(text); m; m = TAG.exec(text)) {
      const closing = m[1] === '/';
      const kind = TAG_KINDS[m[2].toLowerCase()];
      const body = carried + text.slice(at, m.index);
      at = TAG.lastIndex;
      if (closing && (!this.#openTag || kind !== this.#open)) {
        // A stray closing tag: drop it and keep the text on both sides in the current step.
        carried = body;
        continue;
      }
      // A step ends at its own closing tag, or (unclosed) where the next opening tag begins.
      const step = makeStep(this.#open, body, closing || !this.#openTag);
      if (step) this.#committed.push(step);
      carried = '';
      this.#tail = at;
      this.#openTag = !closing;
      this.#open = closing ? 'reasoning' : kind;
    }
    const rest = makeStep(this.#open, carried + text.slice(at), !this.#openTag);
    return rest ? this.#committed.concat(rest) : this.#committed.slice();
  }
}

/** Parses a complete output in one go (imports, exports, tests). */
export function parseTrace(raw: string): TraceStep[] {
  const parser = new TraceParser();
  parser.push(raw);
  return parser.finish();
}
