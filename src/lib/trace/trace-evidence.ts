/**
 * The evidence a trace carries (issue 10): the clips the model was really shown by grounded re-watch, and the
 * evidence check's score of each observation. Kept by the trace state, shown under the steps, exported in the
 * JSON and restored on import (frames are not stored: they are re-decoded from the video at `times`).
 */
import type { Verdict } from '../generation/evidence-check.ts';
import type { CitedRange } from '../preprocess/rewatch-clip.ts';

/** One grounded re-watch: what the action cited, the clip shown (span, frame times, rate) and the text inserted with it. */
export interface RewatchEvidence {
  /** The action's text (without tags) and the time or range it cited, seconds. */
  action: string;
  cited: CitedRange;
  /** The span shown, seconds, inside the video; `clamped` when the citation reached past the end (`note` says so). */
  start: number;
  end: number;
  clamped: boolean;
  note?: string;
  /** Planned time of each frame given to the model, seconds. */
  times: number[];
  /** The clip's real sample rate (M-RoPE time scaling). */
  sampleFps: number;
  /** The exact text appended with the clip (src/lib/generation/grounded-rewatch.ts rewatchText). */
  inserted: string;
  /** Offset in the trace's raw text where the clip went (right after the action's `</action>`). */
  at: number;
}

/** One observation scored against the frames of the range its step cited. */
export interface ObservationEvidence {
  /** Index of the observation in the trace's steps (evidence-check.ts observationsToCheck's `step`). */
  step: number;
  observation: string;
  /** The range whose frames were checked, seconds, and the planned time of each frame. */
  start: number;
  end: number;
  times: number[];
  /** The verification question asked (evidence-check.ts evidenceQuestion). */
  question: string;
  /** P(yes) / (P(yes) + P(no)) at the first answer token, in [0, 1]. */
  score: number;
  verdict: Verdict;
}
