/** How steps and segments are named on screen (trace, timeline, caption), in one place. */
import { formatTime } from '../lib/trace/timestamps.ts';
import type { StepKind, TraceStep } from '../lib/trace/trace-parser.ts';
import type { PlaybackSegment } from '../lib/trace/trace-playback.ts';

export const STEP_LABELS: Record<StepKind, string> = {
  reasoning: 'Reasoning',
  action: 'Re-watch',
  observation: 'Observation',
  answer: 'Answer',
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
