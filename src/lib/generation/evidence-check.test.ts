import { describe, expect, it } from 'vitest';
import { parseTrace } from '../trace/trace-parser.ts';
import {
  answerTokenIds,
  observationsToCheck,
  evidenceMessages,
  evidenceQuestion,
  evidenceScore,
  judgeAnswer,
  NO_WORDS,
  verdict,
  YES_WORDS,
} from './evidence-check.ts';

describe('the verification prompt', () => {
  it('asks about the observation as one question, after the clip', () => {
    expect(evidenceQuestion(' The dog jumps over the fence. ')).toBe(
      'Does the clip show: The dog jumps over the fence? Answer yes or no.',
    );
    const [system, user] = evidenceMessages('a red ball');
    expect(system).toEqual({ role: 'system', content: 'You are a helpful assistant.' });
    expect(user.content).toEqual([
      { type: 'video' },
      { type: 'text', text: 'Does the clip show: a red ball? Answer yes or no.' },
    ]);
    expect(() => evidenceQuestion(' . ')).toThrow(TypeError);
  });
});

describe('answerTokenIds', () => {
  it('keeps the words that are one token, once each', () => {
    const vocab: Record<string, number[]> = { yes: [5], Yes: [6], YES: [7, 8], ' yes': [5], ' Yes': [9] };
    expect(answerTokenIds((w) => vocab[w] ?? [], YES_WORDS)).toEqual([5, 6, 9]);
    expect(answerTokenIds(() => [], NO_WORDS)).toEqual([]);
  });
});

describe('evidenceScore', () => {
  it('is the softmax over the yes and no ids, each side summed', () => {
    const logits = new Float32Array([0, 2, 1, -1, 3]);
    expect(evidenceScore(logits, [1], [2])).toBeCloseTo(Math.exp(2) / (Math.exp(2) + Math.exp(1)), 12);
    const both = (Math.exp(2) + Math.exp(-1)) / (Math.exp(2) + Math.exp(-1) + Math.exp(1) + Math.exp(3));
    expect(evidenceScore(logits, [1, 3], [2, 4])).toBeCloseTo(both, 12);
    expect(evidenceScore([1000, -1000], [0], [1])).toBe(1);
    expect(evidenceScore([5, 5], [0], [1])).toBe(0.5);
  });

  it('rejects missing or out-of-range ids', () => {
    expect(() => evidenceScore([1, 2], [], [1])).toThrow(RangeError);
    expect(() => evidenceScore([1, 2], [0], [2])).toThrow(RangeError);
  });
});

describe('judgeAnswer', () => {
  it('scores the words the tokenizer writes as one token', () => {
    const encode = (w: string) => ({ Yes: [0], No: [1], yes: [2, 3] })[w] ?? [];
    const judged = judgeAnswer([2, 0, 9, 9], encode);
    expect(judged.verdict).toBe('supported');
    expect(judged.score).toBeCloseTo(Math.exp(2) / (Math.exp(2) + 1), 12);
  });
});

describe('verdict', () => {
  it('supported from 0.65, unsupported up to 0.35, unclear between', () => {
    expect(verdict(0.9)).toBe('supported');
    expect(verdict(0.65)).toBe('supported');
    expect(verdict(0.5)).toBe('unclear');
    expect(verdict(0.35)).toBe('unsupported');
    expect(verdict(0)).toBe('unsupported');
    expect(() => verdict(NaN)).toThrow(RangeError);
    expect(() => verdict(1.2)).toThrow(RangeError);
  });
});

describe('observationsToCheck', () => {
  it("pairs each closed observation with its action's first time, else its own", () => {
    const steps = parseTrace(
      'Look. <action>re-watch 00:02-00:04 and 00:09</action><observation>a dog runs.</observation>' +
        '<action>look again</action><observation>at 00:07 it sits</observation>' +
        '<observation>no time here</observation><action>check 01:10</action><observation>unclosed',
    );
    expect(observationsToCheck(steps)).toEqual([
      { step: 2, observation: 'a dog runs.', cited: { start: 2, end: 4 } },
      { step: 4, observation: 'at 00:07 it sits', cited: { start: 7 } },
    ]);
  });
});
