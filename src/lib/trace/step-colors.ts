/**
 * One colour per re-watch, shared by the steps' chips, their timeline segments and the playback caption so
 * the three read as one. An observation right after an action takes the action's colour: they are one re-watch.
 */
import type { TraceStep } from './trace-parser.ts';

const PALETTE = ['#6ea8fe', '#f4a261', '#63d297', '#e879b8', '#c4b5fd', '#f6d365', '#5ed3e6', '#ff8a80'];

export function stepColors(steps: TraceStep[]): string[] {
  let slot = -1;
  return steps.map((step, i) => {
    if (!(step.kind === 'observation' && steps[i - 1]?.kind === 'action')) slot++;
    return PALETTE[slot % PALETTE.length];
  });
}
