/**
 * The plan for "Play trace": every cited moment of a trace, in the order the model cited it, as a segment
 * of the video to play with a caption. Pure: the player state walks the plan.
 */
import { clampTime, type TimeRef } from './timestamps.ts';
import type { TraceStep } from './trace-parser.ts';

/** How long a single cited moment (`01:10`, not a range) plays, seconds. */
export const POINT_SECONDS = 3;

export interface PlaybackSegment {
  /** Index of the citing step in the trace. */
  step: number;
  start: number;
  end: number;
  /** What to show over the video: the observation that answers an action, else the step's own text. */
  caption: string;
  /** The cited time ran past the video's end and was pulled back. */
  clamped: boolean;
}

/** The step next to `index` (walking by `dir`) of kind `want`, unless another action, observation or answer comes first. */
export function partnerOf(
  steps: TraceStep[],
  index: number,
  dir: 1 | -1,
  want: 'action' | 'observation',
): TraceStep | undefined {
  for (let i = index + dir; i >= 0 && i < steps.length; i += dir) {
    if (steps[i].kind === want) return steps[i];
    if (steps[i].kind !== 'reasoning') return undefined;
  }
  return undefined;
}

/** True when `ref` lies inside one of `ranges` (an observation pointing into the range its action re-watched). */
function inside(ref: TimeRef, ranges: TimeRef[]): boolean {
  return ranges.some((r) => ref.start >= r.start && (ref.end ?? ref.start) <= (r.end ?? r.start));
}

/**
 * Segments for a video of `duration` seconds. Moments starting at or past the end are left out (their chips
 * are flagged instead); an observation's times inside the range its action re-watched add nothing (the action's
 * segment already shows them), nor does a time cited twice by one step.
 */
export function planPlayback(steps: TraceStep[], duration: number): PlaybackSegment[] {
  const segments: PlaybackSegment[] = [];
  steps.forEach((step, index) => {
    const observation = step.kind === 'action' ? partnerOf(steps, index, 1, 'observation') : undefined;
    const action = step.kind === 'observation' ? partnerOf(steps, index, -1, 'action') : undefined;
    const played = new Set<string>();
    for (const ref of step.times) {
      const key = `${ref.start}-${ref.end}`;
      if (played.has(key) || (action && inside(ref, action.times))) continue;
      played.add(key);
      const { start, end, clamped } = clampTime(ref, duration);
      if (duration > 0 && start >= duration) continue;
      const stop = end !== undefined && end > start ? end : start + POINT_SECONDS;
      const caption = observation?.text ?? step.text;
      segments.push({ step: index, start, end: duration > 0 ? Math.min(stop, duration) : stop, caption, clamped });
    }
  });
  return segments;
}
