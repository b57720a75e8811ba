/**
 * The pure parts of the question history (src/state/question-history.svelte.ts): which video a question was
 * about, and the one-line outcome a list entry shows.
 */
import type { TraceStep } from './trace-parser.ts';

/** What a dropped or picked video is known by: a file has no stable id, so its name, size and date stand in. */
export interface VideoFileFacts {
  name: string;
  size: number;
  /** Milliseconds since the epoch (File.lastModified); absent for a plain Blob. */
  lastModified?: number;
}

/** The same file opened again gets the same identity; an edited or another file of the same name does not. */
export function videoIdentity(file: VideoFileFacts): string {
  return JSON.stringify([file.name, file.size, file.lastModified ?? 0]);
}

/** Longer answers are cut to this many characters in a list entry. */
export const OUTCOME_CHARS = 60;

/** `Answer B`, `Answer: the red one`, or `No answer` (a run that stopped or ran out of tokens). */
export function questionOutcome(steps: TraceStep[]): string {
  const answer = steps.findLast((step) => step.kind === 'answer');
  if (!answer) return 'No answer';
  if (answer.choice) return `Answer ${answer.choice}`;
  const text = answer.text.replace(/\s+/g, ' ').trim();
  if (!text) return 'No answer';
  return `Answer: ${text.length > OUTCOME_CHARS ? `${text.slice(0, OUTCOME_CHARS - 1).trimEnd()}…` : text}`;
}
