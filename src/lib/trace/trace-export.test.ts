import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  exportFileName,
  importTrace,
  toTraceJson,
  toWebVtt,
  TRACE_FORMAT,
  TraceImportError,
  WEBVTT_IS_NOT_A_TRACE,
  type TraceMeta,
} from './trace-export.ts';
import { parseTrace } from './trace-parser.ts';

const RAW =
  'Hmm. <action>re-watch 00:01-00:03</action><observation>A <b>red</b> & blue ball\n\nmoves.</observation><answer>B</answer>';
const META: TraceMeta = {
  video: { name: 'clip.mp4', duration: 12 },
  question: 'Which way? A. left B. right',
  model: { name: 'ReWatch-R1 (q4f16)', device: 'webgpu', dtype: 'q4f16' },
  settings: { fps: 2, maxFrames: 192, minPixels: 100352, maxPixels: 100352 },
  timings: { frames: 24, visualTokens: 1536, ttftMs: 812.5, tokensPerSecond: 21.3 },
};

const importError = (name: string, source: string) => {
  try {
    importTrace(name, source);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceImportError);
    return (e as Error).message;
  }
  throw new Error('import did not fail');
};

describe('JSON export and import', () => {
  it('round-trips everything and re-derives the same steps', () => {
    const json = toTraceJson(META, RAW, new Date('2026-01-02T03:04:05Z'));
    const record = JSON.parse(json);
    expect(record).toMatchObject({ format: TRACE_FORMAT, version: 1, createdAt: '2026-01-02T03:04:05.000Z', raw: RAW });
    expect(record.steps).toEqual(JSON.parse(JSON.stringify(parseTrace(RAW))));
    const back = importTrace('clip.trace.json', json);
    expect(back).toEqual({ ...META, raw: RAW, steps: parseTrace(RAW) });
  });

  it('ignores the steps written in the file', () => {
    const record = JSON.parse(toTraceJson(META, RAW));
    record.steps = [{ kind: 'answer', text: '<img src=x onerror=alert(1)>', times: [], closed: true }];
    expect(importTrace('x.json', JSON.stringify(record)).steps).toEqual(parseTrace(RAW));
  });

  it('refuses malformed and hostile JSON with a clear message', () => {
    const good = JSON.parse(toTraceJson(META, RAW));
    const cases: [unknown, RegExp][] = [
      ['{"format": ', /not valid JSON/],
      [[1, 2], /not a ReWatch-Web trace/],
      [{ ...good, format: 'other' }, /not a ReWatch-Web trace/],
      [{ ...good, version: 99 }, /Unsupported trace version 99/],
      [{ ...good, raw: 42 }, /"raw" must be text/],
      [{ ...good, raw: '   ' }, /no model output/],
      [{ ...good, video: { name: 'a', duration: -1 } }, /"video.duration" must be a non-negative number/],
      [{ ...good, video: 'clip.mp4' }, /"video" must be an object/],
      [{ ...good, question: 'q'.repeat(20_000) }, /"question" is too long/],
      [{ ...good, settings: { fps: { toString: 'x' } } }, /"settings.fps" must be text, a number or true\/false/],
      [{ ...good, timings: { ttftMs: 'fast' } }, /"timings.ttftMs" must be a non-negative number/],
      [{ ...good, model: { name: 7 } }, /"model.name" must be text/],
    ];
    for (const [data, want] of cases) {
      const source = typeof data === 'string' ? data : JSON.stringify(data);
      expect(importError('t.json', source)).toMatch(want);
    }
  });

  it('keeps a "__proto__" setting as data, not as a prototype', () => {
    const good = JSON.parse(toTraceJson(META, RAW));
    const source = JSON.stringify(good).replace('"settings":{', '"settings":{"__proto__":"x",');
    const settings = importTrace('t.json', source).settings;
    expect(Object.getPrototypeOf(settings)).toBe(Object.prototype);
    expect(Object.keys(settings)).toContain('__proto__');
  });

  it('refuses files that are too large', () => {
    expect(importError('t.txt', 'x'.repeat(3 * 1024 * 1024))).toMatch(/too large/);
  });
});

describe('plain-text import', () => {
  it('reads raw ReWatch-R1 output', () => {
    const back = importTrace('output.txt', RAW);
    expect(back.raw).toBe(RAW);
    expect(back.steps).toEqual(parseTrace(RAW));
    expect(back.video).toBeNull();
  });
  it('refuses empty and binary files', () => {
    expect(importError('a.txt', ' \n')).toMatch(/empty/);
    expect(importError('a.txt', 'ab\u0000cd')).toMatch(/not text/);
  });
});

describe('WebVTT export', () => {
  it('writes one escaped single-line cue per cited segment', () => {
    expect(toWebVtt(parseTrace(RAW), 12)).toBe(
      'WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nStep 2 (action, 00:01): A &lt;b&gt;red&lt;/b&gt; &amp; blue ball moves.\n',
    );
  });
  it('writes a header only when nothing is cited', () => {
    expect(toWebVtt(parseTrace('<answer>A</answer>'), 12)).toBe('WEBVTT\n');
  });
  it('is refused as a trace, by name or by content, saying what to import instead', () => {
    const vtt = toWebVtt(parseTrace(RAW), 12);
    for (const name of ['clip.vtt', 'clip.txt']) {
      expect(() => importTrace(name, vtt), name).toThrow(TraceImportError);
      expect(() => importTrace(name, vtt), name).toThrow(WEBVTT_IS_NOT_A_TRACE);
    }
  });
});

describe('exportFileName', () => {
  it('derives a safe name from the video', () => {
    expect(exportFileName('my clip (1).mp4', '.trace.json')).toBe('my_clip_1_.trace.json');
    expect(exportFileName(undefined, '.vtt')).toBe('rewatch.vtt');
  });
});

describe('the example trace shipped in public/', () => {
  it('imports, with every cited time inside the 20-second sample video', () => {
    const source = readFileSync(new URL('../../../public/sample-trace.json', import.meta.url), 'utf8');
    const trace = importTrace('sample-trace.json', source);
    expect(trace.video).toEqual({ name: 'sample-video.mp4', duration: 20 });
    expect(trace.steps.at(-1)).toMatchObject({ kind: 'answer', choice: 'B' });
    const times = trace.steps.flatMap((s) => s.times);
    expect(times.length).toBeGreaterThan(3);
    for (const t of times) expect(t.end ?? t.start).toBeLessThanOrEqual(20);
  });
});
