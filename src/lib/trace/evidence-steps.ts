/**
 * Where a trace's evidence (trace-evidence.ts) belongs among its steps: the action step each grounded re-watch
 * was inserted after, the observation a playback caption shows, and the tally of checked observations the
 * answer shows. Pure; no DOM.
 */
import type { ObservationEvidence, RewatchEvidence } from './trace-evidence.ts';
import { parseTrace, type TraceStep } from './trace-parser.ts';
import { partnerOf } from './trace-playback.ts';

const ENDS_WITH_ACTION_CLOSE = /<\/action\s*>$/i;

/**
 * Index of the action step whose `</action>` ends exactly at offset `at` of `raw` (where grounded re-watch
 * inserts its clip), or null when nothing closes an action there.
 */
export function actionStepAt(raw: string, at: number): number | null {
  if (!Number.isInteger(at) || at <= 0 || at > raw.length) return null;
  const before = raw.slice(0, at);
  if (!ENDS_WITH_ACTION_CLOSE.test(before)) return null;
  const steps = parseTrace(before);
  const last = steps.at(-1);
  // The parser reads an `</action>` that closes no open action as stray text, not a step.
  return last?.kind === 'action' && last.closed ? steps.length - 1 : null;
}

/** Each re-watch by the index of its action step; one that points at no action is left out. */
export function rewatchesByStep(raw: string, rewatches: readonly RewatchEvidence[]): Map<number, RewatchEvidence> {
  const byStep = new Map<number, RewatchEvidence>();
  for (const rewatch of rewatches) {
    const step = actionStepAt(raw, rewatch.at);
    if (step !== null) byStep.set(step, rewatch);
  }
  return byStep;
}

/**
 * The checked observations whose frames no filmstrip shows yet, by step: those whose action had no grounded
 * re-watch of the same frames (an imported trace checked afterwards, or an observation citing its own time).
 */
export function unshownEvidence(
  steps: TraceStep[],
  rewatchByStep: ReadonlyMap<number, RewatchEvidence>,
  evidence: readonly ObservationEvidence[],
): Map<number, ObservationEvidence> {
  const unshown = new Map<number, ObservationEvidence>();
  for (const entry of evidence) {
    const action = partnerOf(steps, entry.step, -1, 'action');
    const shown = action && rewatchByStep.get(steps.indexOf(action))?.times;
    const same = shown?.length === entry.times.length && shown.every((t, i) => t === entry.times[i]);
    if (!same) unshown.set(entry.step, entry);
  }
  return unshown;
}

/** How many checked observations were supported, of how many checked. */
export function evidenceTally(evidence: readonly ObservationEvidence[]): { supported: number; checked: number } {
  return { supported: evidence.filter((e) => e.verdict === 'supported').length, checked: evidence.length };
}

/**
 * The observation a "Play trace" segment's caption shows (trace-playback.ts): the segment's step when it is an
 * observation, else the observation answering its action; null when the caption is not an observation.
 */
export function captionObservation(steps: TraceStep[], step: number): number | null {
  const own = steps[step];
  const observation = own?.kind === 'action' ? partnerOf(steps, step, 1, 'observation') : own;
  return observation?.kind === 'observation' ? steps.indexOf(observation) : null;
}
