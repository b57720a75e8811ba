import { describe, expect, it } from 'vitest';
import { argmax, sampleToken } from './token-sampling.ts';

/** A draw that always returns `u`. */
const fixed = (u: number) => () => u;

describe('token sampling', () => {
  it('greedy: the first of equal maxima (as torch.argmax)', () => {
    expect(argmax([0.1, 3, -1, 3])).toBe(1);
    expect(sampleToken(Float32Array.of(0.1, 3, -1, 3))).toBe(1);
    expect(sampleToken([5, 1], { temperature: 0, topP: 0.1 })).toBe(0);
  });

  it('samples in proportion to softmax(logits / temperature)', () => {
    // ln 3 vs 0: probabilities 3/4 and 1/4 at temperature 1.
    const logits = [Math.log(3), 0];
    expect(sampleToken(logits, { temperature: 1 }, fixed(0.74))).toBe(0);
    expect(sampleToken(logits, { temperature: 1 }, fixed(0.76))).toBe(1);
    // Temperature 0.5 squares the odds: 9/10 and 1/10.
    expect(sampleToken(logits, { temperature: 0.5 }, fixed(0.89))).toBe(0);
    expect(sampleToken(logits, { temperature: 0.5 }, fixed(0.91))).toBe(1);
  });

  it('top-p keeps the smallest set reaching p, renormalised', () => {
    // Probabilities 0.5, 0.3, 0.2 (logits = ln p).
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    // p = 0.7: {0.5, 0.3} kept, renormalised to 0.625 / 0.375; the 0.2 token never comes.
    expect(sampleToken(logits, { temperature: 1, topP: 0.7 }, fixed(0.6))).toBe(0);
    expect(sampleToken(logits, { temperature: 1, topP: 0.7 }, fixed(0.99))).toBe(1);
    // p below the top probability: only the top token.
    expect(sampleToken(logits, { temperature: 1, topP: 0.3 }, fixed(0.99))).toBe(0);
    expect(() => sampleToken(logits, { temperature: 1, topP: 0 })).toThrow(RangeError);
  });

  it('handles a 152k vocabulary with one dominant token', () => {
    const logits = new Float32Array(152_064).fill(-5);
    logits[4242] = 20;
    expect(sampleToken(logits, { temperature: 0.8, topP: 0.9 }, fixed(0.5))).toBe(4242);
  });
});
