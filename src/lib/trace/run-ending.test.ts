import { describe, expect, it } from 'vitest';
import { plural, runEndingNote } from './run-ending.ts';

describe('runEndingNote', () => {
  it('says the limit was reached when the model wrote no answer', () => {
    expect(runEndingNote('limit', false, 2048)).toBe(
      'No answer: the model used all 2,048 new tokens it may write before reaching <answer>. Ask a narrower question, or ask again.',
    );
  });
  it('says the model ended without an answer', () => {
    expect(runEndingNote('eos', false, 2048)).toBe('No answer: the model ended its reply without an <answer>.');
  });
  it('says nothing when the model answered, or was stopped (the stop has its own note)', () => {
    expect(runEndingNote('limit', true, 8)).toBe('');
    expect(runEndingNote('eos', true, 8)).toBe('');
    expect(runEndingNote('stopped', false, 8)).toBe('');
  });
});

describe('plural', () => {
  it('counts in English', () => {
    expect(plural(1, 'token')).toBe('1 token');
    expect(plural(0, 'token')).toBe('0 tokens');
    expect(plural(1024, 'token')).toBe('1,024 tokens');
  });
});
