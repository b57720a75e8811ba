import { describe, expect, it } from 'vitest';
import { parseTrace } from './trace-parser.ts';
import { planPlayback, POINT_SECONDS } from './trace-playback.ts';

describe('planPlayback', () => {
  it('lists cited segments in order, captioned by the observation that answers each action', () => {
    const steps = parseTrace(
      'Think. <action>re-watch 00:02-00:04</action><observation>A ball at 00:02-00:04, then 00:05.</observation>' +
        '<action>look at 00:07</action><observation>It stops.</observation><answer>B</answer>',
    );
    expect(planPlayback(steps, 10)).toEqual([
      { step: 1, start: 2, end: 4, caption: 'A ball at 00:02-00:04, then 00:05.', clamped: false },
      { step: 2, start: 5, end: 5 + POINT_SECONDS, caption: 'A ball at 00:02-00:04, then 00:05.', clamped: false },
      { step: 3, start: 7, end: 10, caption: 'It stops.', clamped: false },
    ]);
  });

  it("leaves out an observation's times inside the range (or at the moment) its action re-watched", () => {
    const steps = parseTrace(
      '<action>re-watch 00:04-00:06</action><observation>At 00:05 it turns green; at 00:06 it stops.</observation>' +
        '<action>look at 00:07</action><observation>Still at 00:07, moving by 00:07.5.</observation>',
    );
    expect(planPlayback(steps, 20).map((s) => [s.step, s.start, s.end])).toEqual([
      [0, 4, 6],
      [2, 7, 10],
      [3, 7.5, 10.5],
    ]);
  });

  it('clamps ranges that run past the end and leaves out moments after it', () => {
    const steps = parseTrace('<action>see 00:08-00:20 and 00:30</action>');
    expect(planPlayback(steps, 10)).toEqual([
      { step: 0, start: 8, end: 10, caption: 'see 00:08-00:20 and 00:30', clamped: true },
    ]);
  });

  it('captions an action without an observation with its own text', () => {
    const steps = parseTrace('<action>see 00:01-00:02</action><action>then 00:03-00:04</action>');
    expect(planPlayback(steps, 10).map((s) => s.caption)).toEqual(['see 00:01-00:02', 'then 00:03-00:04']);
  });
});
