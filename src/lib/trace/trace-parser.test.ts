import { describe, expect, it } from 'vitest';
import { answerChoice, parseTrace, TraceParser, type TraceStep } from './trace-parser.ts';

const TRACE =
  'The question asks about the red ball. <action>re-watch 00:02-00:04 to see where it goes</action>' +
  '<observation>The ball rolls left at 00:03.</observation> So it ends on the left.' +
  '<action>check [00:06, 00:08]</action><observation>It stops.</observation><answer>B</answer>';

const brief = (steps: TraceStep[]) => steps.map((s) => [s.kind, s.text, s.closed]);

describe('parseTrace', () => {
  it('splits reasoning, action, observation and answer', () => {
    const steps = parseTrace(TRACE);
    expect(brief(steps)).toEqual([
      ['reasoning', 'The question asks about the red ball.', true],
      ['action', 're-watch 00:02-00:04 to see where it goes', true],
      ['observation', 'The ball rolls left at 00:03.', true],
      ['reasoning', 'So it ends on the left.', true],
      ['action', 'check [00:06, 00:08]', true],
      ['observation', 'It stops.', true],
      ['answer', 'B', true],
    ]);
    expect(steps[1].times.map((t) => [t.start, t.end])).toEqual([[2, 4]]);
    expect(steps[4].times.map((t) => [t.start, t.end])).toEqual([[6, 8]]);
    expect(steps[6].choice).toBe('B');
  });

  it('ends an unclosed tag where the next begins, and leaves the last one open', () => {
    expect(brief(parseTrace('<action>look at 00:01<observation>red<answer>C'))).toEqual([
      ['action', 'look at 00:01', false],
      ['observation', 'red', false],
      ['answer', 'C', false],
    ]);
  });

  it('drops stray and mismatched closing tags but keeps their text', () => {
    expect(brief(parseTrace('a </answer> b <action>x </observation> y</action>'))).toEqual([
      ['reasoning', 'a  b', true],
      ['action', 'x  y', true],
    ]);
  });

  it('keeps HTML and unknown tags as plain text', () => {
    const steps = parseTrace('<observation><img src=x onerror=alert(1)><script>alert(2)</script></observation>');
    expect(brief(steps)).toEqual([['observation', '<img src=x onerror=alert(1)><script>alert(2)</script>', true]]);
  });

  it('accepts tags in any case and with spaces before >, and reads <think> as reasoning', () => {
    expect(brief(parseTrace('<think>hmm</think><ANSWER >A</ANSWER>'))).toEqual([
      ['reasoning', 'hmm', true],
      ['answer', 'A', true],
    ]);
  });
});

describe('TraceParser (streaming)', () => {
  it('gives the same steps whatever the chunking, holding back partial tags', () => {
    const whole = brief(parseTrace(TRACE));
    for (const size of [1, 2, 3, 7, 16]) {
      const parser = new TraceParser();
      for (let i = 0; i < TRACE.length; i += size) {
        const steps = parser.push(TRACE.slice(i, i + size));
        // A half-written tag never shows up as text.
        for (const step of steps) expect(step.text).not.toMatch(/<\/?(a|ac|act|acti|actio|o|ob|obs|an|ans)$/);
      }
      expect(brief(parser.finish()), `chunk size ${size}`).toEqual(whole);
      expect(parser.raw).toBe(TRACE);
    }
  });

  it('shows an open step while it streams and keeps closed steps as they were', () => {
    const parser = new TraceParser();
    const first = parser.push('<action>re-watch 00:01');
    expect(brief(first)).toEqual([['action', 're-watch 00:01', false]]);
    const second = parser.push('-00:03</action><obs');
    expect(brief(second)).toEqual([['action', 're-watch 00:01-00:03', true]]);
    const third = parser.push('ervation>saw');
    expect(third[0]).toBe(second[0]);
    expect(brief(third)).toEqual([
      ['action', 're-watch 00:01-00:03', true],
      ['observation', 'saw', false],
    ]);
  });

  it('turns a trailing partial tag into text when the stream ends', () => {
    const parser = new TraceParser();
    parser.push('x < y and <ans');
    expect(brief(parser.steps)).toEqual([['reasoning', 'x < y and', true]]);
    expect(brief(parser.finish())).toEqual([['reasoning', 'x < y and <ans', true]]);
  });
});

describe('answerChoice', () => {
  it('reads the letter of multiple-choice answers', () => {
    for (const [text, want] of [
      ['B', 'B'],
      ['(C)', 'C'],
      ['D. a dog', 'D'],
      ['A: red', 'A'],
      ['The answer is B.', 'B'],
      ['Option (E)', 'E'],
    ]) {
      expect(answerChoice(text), text).toBe(want);
    }
  });
  it('finds no letter in a free-form answer', () => {
    for (const text of ['three', 'It is red.', 'I think so', 'A dog runs'])
      expect(answerChoice(text), text).toBeUndefined();
  });
});
