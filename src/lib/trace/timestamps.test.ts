import { describe, expect, it } from 'vitest';
import { clampTime, findTimes, formatTime, parseTime, splitByTimes } from './timestamps.ts';

const spans = (text: string) => findTimes(text).map(({ start, end, text }) => ({ start, end, text }));

describe('parseTime', () => {
  it('reads MM:SS, H:MM:SS, fractions and seconds', () => {
    expect(parseTime('01:10')).toBe(70);
    expect(parseTime('1:02:03')).toBe(3723);
    expect(parseTime('00:12.5')).toBe(12.5);
    expect(parseTime('12.5s')).toBe(12.5);
    expect(parseTime('125:30')).toBe(7530);
  });
  it('rejects impossible clocks', () => {
    expect(parseTime('01:75')).toBeNull();
    expect(parseTime('1:75:00')).toBeNull();
    expect(parseTime('soon')).toBeNull();
  });
});

describe('findTimes', () => {
  it('finds points and every range form', () => {
    expect(spans('re-watch 01:10-01:25 then [02:00, 02:05] and (1:00:00 - 1:00:04)')).toEqual([
      { start: 70, end: 85, text: '01:10-01:25' },
      { start: 120, end: 125, text: '[02:00, 02:05]' },
      { start: 3600, end: 3604, text: '(1:00:00 - 1:00:04)' },
    ]);
    expect(spans('from 00:05 to 00:09, at 00:30 – 00:31.')).toEqual([
      { start: 5, end: 9, text: '00:05 to 00:09' },
      { start: 30, end: 31, text: '00:30 – 00:31' },
    ]);
    expect(spans('What happened from [05:00] to [05:10]?')).toEqual([
      { start: 300, end: undefined, text: '05:00' },
      { start: 310, end: undefined, text: '05:10' },
    ]);
  });
  it('finds seconds and seconds ranges', () => {
    expect(spans('at 12.5s, then 3-4.5s and 7s–9s')).toEqual([
      { start: 12.5, end: undefined, text: '12.5s' },
      { start: 3, end: 4.5, text: '3-4.5s' },
      { start: 7, end: 9, text: '7s–9s' },
    ]);
  });
  it('takes a trailing s on a clock time as part of it', () => {
    expect(spans('at 00:05.5s, then 01:00s-01:02s.')).toEqual([
      { start: 5.5, end: undefined, text: '00:05.5s' },
      { start: 60, end: 62, text: '01:00s-01:02s' },
    ]);
  });
  it('orders a reversed range', () => {
    expect(spans('01:25-01:10')).toEqual([{ start: 70, end: 85, text: '01:25-01:10' }]);
  });
  it('ignores numbers that are not times', () => {
    expect(spans('version 1.2.3, ratio 16:9, 3 apples, 4 seconds, 10:30:45:12, mp4s, 01:75')).toEqual([]);
  });
  it('reports the index of each match', () => {
    const text = 'a 00:01 b 00:02';
    for (const ref of findTimes(text)) expect(text.slice(ref.index, ref.index + ref.text.length)).toBe(ref.text);
  });
});

describe('clampTime', () => {
  it('pulls times past the end back and flags them', () => {
    expect(clampTime({ start: 70, end: 85 }, 80)).toEqual({ start: 70, end: 80, clamped: true });
    expect(clampTime({ start: 90 }, 80)).toEqual({ start: 80, end: undefined, clamped: true });
    expect(clampTime({ start: 10, end: 20 }, 80)).toEqual({ start: 10, end: 20, clamped: false });
  });
  it('leaves times alone when the duration is unknown', () => {
    expect(clampTime({ start: 900 }, NaN)).toEqual({ start: 900, end: undefined, clamped: false });
  });
});

describe('formatTime', () => {
  it('writes MM:SS, H:MM:SS and tenths', () => {
    expect(formatTime(70)).toBe('01:10');
    expect(formatTime(3723)).toBe('1:02:03');
    expect(formatTime(12.5)).toBe('00:12.5');
    expect(formatTime(59.96)).toBe('01:00');
  });
});

describe('splitByTimes', () => {
  it('cuts text into plain parts and time parts that join back to the text', () => {
    const text = 'see 00:01-00:02 and 00:05.';
    const parts = splitByTimes(text);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => p.time).map((p) => p.text)).toEqual(['00:01-00:02', '00:05']);
  });
});
