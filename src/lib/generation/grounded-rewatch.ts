/**
 * Grounded re-watch (issue 10), the text side: when generation pauses, and the exact text inserted with a
 * re-watched clip. This is the one place to tune the wording.
 *
 * The pause rule: right after the model closes an `<action>...</action>` whose text cites a time or range
 * (src/lib/trace/timestamps.ts), generation pauses; the first time cited in that action is re-watched.
 *
 * The inserted text (after `</action>`, before the model writes its `<observation>`), e.g. for a clip of
 * 8 frames at 4 fps from 00:02 to 00:04:
 *
 *     \nRe-watching 00:02-00:04 (8 frames at 4 fps):<|vision_start|><|video_pad|><|vision_end|>\n
 *
 * A clamped clip says so: `Re-watching 00:58-01:00 (the end of the video; 8 frames at 4 fps):`. Times are
 * MM:SS as the model reads and writes them (rewatch-prompt.ts formatTimestamp: whole seconds, floored). The
 * pad block is the single-pad placeholder of one video that workers/inference prepareText expands to the
 * clip's grid, as the chat template writes the main video (`<|vision_start|><|video_pad|><|vision_end|>`
 * followed by its text).
 */

import { parseTrace } from '../trace/trace-parser.ts';
import type { TimeRef } from '../trace/timestamps.ts';
import { formatTimestamp } from './rewatch-prompt.ts';

/** Re-watches per answer unless set (Video-MTR and Conan allow 3 turns; ReWatch traces average 2.3 steps). */
export const DEFAULT_MAX_REWATCHES = 3;

/** One video's placeholder: prepareText expands the pad to the clip's vision tokens. */
export const VIDEO_PLACEHOLDER = '<|vision_start|><|video_pad|><|vision_end|>';

/** What the inserted text describes: the span re-watched (seconds), its frames and rate, and whether it was clamped. */
export interface InsertedClip {
  start: number;
  end: number;
  frames: number;
  sampleFps: number;
  clamped: boolean;
}

/** A rate in words: at most two decimals, no trailing zeros (`4`, `1.33`). */
function rate(fps: number): string {
  return String(Math.round(fps * 100) / 100);
}

/** The exact text appended with a re-watched clip (one {@link VIDEO_PLACEHOLDER}); see the module comment. */
export function rewatchText(clip: InsertedClip): string {
  const where = clip.clamped ? 'the end of the video; ' : '';
  const span = `${formatTimestamp(clip.start)}-${formatTimestamp(clip.end)}`;
  return `\nRe-watching ${span} (${where}${clip.frames} frames at ${rate(clip.sampleFps)} fps):${VIDEO_PLACEHOLDER}\n`;
}

const ACTION_CLOSE = /<\/action\s*>/gi;

/** An `<action>` that has just closed and cites a time. */
export interface CitedAction {
  /** The action's text (trimmed, without tags). */
  text: string;
  /** The time or range to re-watch: the first one the action cites. */
  time: TimeRef;
  /** Offset in the text just after `</action>`: pass it as `from` next time so this action is not seen again. */
  end: number;
}

/**
 * The pause rule. Looks for an `</action>` that ends at or after `from` in `text` (the answer so far); when
 * the action it closes cites a time or range, returns it. Null otherwise (no new close, or an action citing
 * no time: generation simply goes on). The action is read with trace-parser.ts, so a malformed trace is
 * read as the trace view reads it.
 */
export function citedAction(text: string, from = 0): CitedAction | null {
  for (const m of text.matchAll(ACTION_CLOSE)) {
    const end = m.index + m[0].length;
    if (end <= from) continue;
    const step = parseTrace(text.slice(0, end)).at(-1);
    if (step?.kind === 'action' && step.closed && step.times.length > 0)
      return { text: step.text, time: step.times[0], end };
  }
  return null;
}

/**
 * Offset after the last `</action>` in `text` (0 when none): where the next {@link citedAction} search starts
 * once every action so far has been handled or skipped.
 */
export function afterLastAction(text: string): number {
  let end = 0;
  for (const m of text.matchAll(ACTION_CLOSE)) end = m.index + m[0].length;
  return end;
}
