import { describe, expect, it } from 'vitest';
import { OUTCOME_CHARS, questionOutcome, videoIdentity } from './question-history.ts';
import { parseTrace } from './trace-parser.ts';

describe('videoIdentity', () => {
  it('is the same for the same file opened twice', () => {
    const a = new File(['abc'], 'clip.mp4', { lastModified: 1_700_000_000_000 });
    const b = new File(['abc'], 'clip.mp4', { lastModified: 1_700_000_000_000 });
    expect(videoIdentity(a)).toBe(videoIdentity(b));
  });

  it('tells apart files that differ in name, size or date', () => {
    const base = { name: 'clip.mp4', size: 3, lastModified: 1 };
    const keys = [base, { ...base, name: 'clip2.mp4' }, { ...base, size: 4 }, { ...base, lastModified: 2 }].map(
      videoIdentity,
    );
    expect(new Set(keys).size).toBe(4);
  });

  it('cannot be confused by separators inside a name', () => {
    expect(videoIdentity({ name: 'a|1', size: 2 })).not.toBe(videoIdentity({ name: 'a', size: 1 }));
    expect(videoIdentity({ name: 'a","1', size: 2 })).not.toBe(videoIdentity({ name: 'a', size: 1 }));
  });

  it('treats a Blob without a date as date 0', () => {
    expect(videoIdentity({ name: 'x', size: 1 })).toBe(videoIdentity({ name: 'x', size: 1, lastModified: 0 }));
  });
});

describe('questionOutcome', () => {
  it('names the choice of a multiple-choice answer', () => {
    expect(questionOutcome(parseTrace('thinking <answer>(C) it lands</answer>'))).toBe('Answer C');
  });

  it('quotes a free-text answer, cut to a line', () => {
    expect(questionOutcome(parseTrace('<answer>the red one</answer>'))).toBe('Answer: the red one');
    const long = questionOutcome(parseTrace(`<answer>${'word '.repeat(40)}</answer>`));
    expect(long.length).toBe('Answer: '.length + OUTCOME_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });

  it('uses the last answer when the model wrote several', () => {
    expect(questionOutcome(parseTrace('<answer>A</answer> wait <answer>B</answer>'))).toBe('Answer B');
  });

  it('says "No answer" for a trace without one, or with an empty one', () => {
    expect(questionOutcome(parseTrace('<action>re-watch 00:01</action><observation>x</observation>'))).toBe(
      'No answer',
    );
    expect(questionOutcome(parseTrace('<answer> </answer>'))).toBe('No answer');
    expect(questionOutcome([])).toBe('No answer');
  });
});
