import { describe, expect, it } from 'vitest';
import { actionStepAt, captionObservation, evidenceTally, rewatchesByStep, unshownEvidence } from './evidence-steps.ts';
import type { ObservationEvidence, RewatchEvidence } from './trace-evidence.ts';
import { parseTrace } from './trace-parser.ts';

const RAW =
  'Look again. <action>re-watch 00:02-00:04</action><observation>A red box.</observation>' +
  '<action>check 00:08</action><observation>Blue.</observation> stray </action> <answer>B</answer>';
const endOf = (needle: string, from = 0) => RAW.indexOf(needle, from) + needle.length;
const FIRST = endOf('</action>');
const SECOND = endOf('</action>', FIRST);
const STRAY = endOf('</action>', SECOND);

const rewatch = (at: number): RewatchEvidence => ({
  action: 'a',
  cited: { start: 2 },
  start: 1,
  end: 3,
  clamped: false,
  times: [1, 2],
  sampleFps: 1,
  inserted: 'x',
  at,
});

describe('actionStepAt', () => {
  it('finds the action step closing at the offset', () => {
    expect(actionStepAt(RAW, FIRST)).toBe(1);
    expect(actionStepAt(RAW, SECOND)).toBe(3);
  });
  it('is null anywhere else: mid-text, a stray close, out of range, not an integer', () => {
    for (const at of [0, 5, FIRST - 1, FIRST + 1, STRAY, RAW.length + 1, -1, 1.5, NaN])
      expect(actionStepAt(RAW, at), String(at)).toBeNull();
  });
  it('accepts a close tag written with a space or in capitals', () => {
    const raw = '<ACTION>see 00:01</ACTION >';
    expect(actionStepAt(raw, raw.length)).toBe(0);
  });
});

describe('rewatchesByStep', () => {
  it('maps each re-watch to its action step and leaves out one pointing nowhere', () => {
    const map = rewatchesByStep(RAW, [rewatch(SECOND), rewatch(FIRST), rewatch(7)]);
    expect([...map.keys()].sort()).toEqual([1, 3]);
    expect(map.get(1)?.at).toBe(FIRST);
    expect(map.get(3)?.at).toBe(SECOND);
  });
});

describe('evidenceTally', () => {
  it('counts supported of checked', () => {
    const score = (verdict: ObservationEvidence['verdict']): ObservationEvidence => ({
      step: 0,
      observation: 'o',
      start: 0,
      end: 1,
      times: [0],
      question: 'q',
      score: 0.5,
      verdict,
    });
    expect(evidenceTally([])).toEqual({ supported: 0, checked: 0 });
    expect(evidenceTally([score('supported'), score('unclear'), score('unsupported'), score('supported')])).toEqual({
      supported: 2,
      checked: 4,
    });
  });
});

describe('captionObservation', () => {
  it("is an observation's own step, or the observation answering an action", () => {
    const steps = parseTrace(RAW);
    expect(captionObservation(steps, 1)).toBe(2);
    expect(captionObservation(steps, 2)).toBe(2);
    expect(captionObservation(steps, 3)).toBe(4);
  });
  it('is null for an action with no observation after it, and for other steps', () => {
    const steps = parseTrace('<action>see 00:01</action> hmm <answer>A</answer><observation>late</observation>');
    expect(captionObservation(steps, 0)).toBeNull();
    expect(captionObservation(steps, 2)).toBeNull();
    expect(captionObservation(steps, 9)).toBeNull();
  });
});

describe('unshownEvidence', () => {
  const checked = (step: number, times: number[]): ObservationEvidence => ({
    step,
    observation: 'o',
    start: 1,
    end: 3,
    times,
    question: 'q',
    score: 0.9,
    verdict: 'supported',
  });
  it("leaves out an observation whose action's re-watch showed the same frames", () => {
    const steps = parseTrace(RAW);
    const byStep = rewatchesByStep(RAW, [rewatch(FIRST)]);
    const unshown = unshownEvidence(steps, byStep, [checked(2, [1, 2]), checked(4, [8])]);
    expect([...unshown.keys()]).toEqual([4]);
  });
  it('keeps one whose frames differ from the re-watch, or whose action was not re-watched', () => {
    const steps = parseTrace(RAW);
    expect([...unshownEvidence(steps, rewatchesByStep(RAW, [rewatch(FIRST)]), [checked(2, [1, 2.5])]).keys()]).toEqual([
      2,
    ]);
    expect([...unshownEvidence(steps, new Map(), [checked(2, [1, 2])]).keys()]).toEqual([2]);
  });
});
