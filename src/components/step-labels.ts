/** How steps and segments are named on screen (trace, timeline, caption), in one place. */
import { formatTime } from '../lib/trace/timestamps.ts';
import type { Verdict } from '../lib/generation/evidence-check.ts';
import type { StepKind, TraceStep } from '../lib/trace/trace-parser.ts';
import type { PlaybackSegment } from '../lib/trace/trace-playback.ts';

export const STEP_LABELS: Record<StepKind, string> = {
  reasoning: 'Reasoning',
  action: 'Re-watch',
  observation: 'Observation',
  answer: 'Answer',
};

/** An evidence check's verdict on an observation. */
export const VERDICT_LABELS: Record<Verdict, string> = {
  supported: 'supported',
  unclear: 'unclear',
  unsupported: 'not supported',
};

/** `Step 2 · Re-watch · 00:04–00:06` */
export function segmentLabel(segment: PlaybackSegment, steps: TraceStep[]): string {
  const kind = steps[segment.step]?.kind;
  return [
    `Step ${segment.step + 1}`,
    kind && STEP_LABELS[kind],
    `${formatTime(segment.start)}–${formatTime(segment.end)}`,
  ]
    .filter(Boolean)
    .join(' · ');
}
