import { describe, expect, it } from 'vitest';
import { afterLastAction, citedAction, rewatchText, VIDEO_PLACEHOLDER } from './grounded-rewatch.ts';

describe('rewatchText', () => {
  it('names the range, the frames and the rate around one video placeholder', () => {
    expect(rewatchText({ start: 2, end: 4, frames: 8, sampleFps: 4, clamped: false })).toBe(
      '\nRe-watching 00:02-00:04 (8 frames at 4 fps):<|vision_start|><|video_pad|><|vision_end|>\n',
    );
    expect(rewatchText({ start: 58, end: 60, frames: 8, sampleFps: 4 / 3, clamped: true })).toBe(
      `\nRe-watching 00:58-01:00 (the end of the video; 8 frames at 1.33 fps):${VIDEO_PLACEHOLDER}\n`,
    );
  });
});

describe('citedAction', () => {
  it('pauses right after an action that cites a range, on its first time', () => {
    const text = 'I should look again. <action>re-watch 00:02-00:04 and 00:07</action>';
    expect(citedAction(text)).toEqual({
      text: 're-watch 00:02-00:04 and 00:07',
      time: { start: 2, end: 4, index: 9, text: '00:02-00:04' },
      end: text.length,
    });
    expect(citedAction(text.slice(0, -3))).toBeNull();
  });

  it('a single time, a closing tag with spaces or capitals, and trailing text after the close', () => {
    expect(citedAction('<action>check 01:05</action >\n')?.time).toMatchObject({ start: 65 });
    expect(citedAction('<ACTION>check 12.5s</ACTION>')?.time).toMatchObject({ start: 12.5 });
  });

  it('an action without a time, or one already handled, does not pause', () => {
    expect(citedAction('<action>look at the dog again</action>')).toBeNull();
    const text = '<action>re-watch 00:01</action><observation>a dog</observation>';
    const first = citedAction(text)!;
    expect(citedAction(text, first.end)).toBeNull();
    const more = `${text}<action>then 00:03-00:05</action>`;
    expect(citedAction(more, first.end)?.time).toMatchObject({ start: 3, end: 5 });
    expect(afterLastAction(more)).toBe(more.length);
    expect(afterLastAction('no action')).toBe(0);
  });

  it('a time in the reasoning or the observation does not pause', () => {
    expect(citedAction('At 00:03 the dog runs. <observation>at 00:04 it sits</observation>')).toBeNull();
  });
});
