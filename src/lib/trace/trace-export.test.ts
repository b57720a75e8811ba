import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evidenceQuestion, verdict } from '../generation/evidence-check.ts';
import { rewatchText } from '../generation/grounded-rewatch.ts';
import { planClip } from '../preprocess/rewatch-clip.ts';
import type { ObservationEvidence, RewatchEvidence } from './trace-evidence.ts';
import {
  exportFileName,
  importTrace,
  toTraceJson,
  toWebVtt,
  TRACE_FORMAT,
  TraceImportError,
  WEBVTT_IS_NOT_A_TRACE,
  TRACE_VERSION,
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

// The evidence of RAW as a grounded run and an evidence check would record it (a 12 s video at 30 fps).
const CLIP = planClip({ start: 1, end: 3 }, { duration: 12, videoFps: 30 });
const REWATCH: RewatchEvidence = {
  action: 're-watch 00:01-00:03',
  cited: { start: 1, end: 3 },
  start: CLIP.start,
  end: CLIP.end,
  clamped: false,
  times: CLIP.times,
  sampleFps: CLIP.sampleFps,
  inserted: rewatchText({ ...CLIP, frames: CLIP.count }),
  at: RAW.indexOf('</action>') + '</action>'.length,
};
const OBSERVATION = parseTrace(RAW)[2].text;
const SCORE: ObservationEvidence = {
  step: 2,
  observation: OBSERVATION,
  start: CLIP.start,
  end: CLIP.end,
  times: CLIP.times,
  question: evidenceQuestion(OBSERVATION),
  score: 0.82,
  verdict: verdict(0.82),
};
const EVIDENCE = { rewatches: [REWATCH], evidence: [SCORE] };

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
    const json = toTraceJson(META, RAW, EVIDENCE, new Date('2026-01-02T03:04:05Z'));
    const record = JSON.parse(json);
    expect(record).toMatchObject({ format: TRACE_FORMAT, version: 2, createdAt: '2026-01-02T03:04:05.000Z', raw: RAW });
    expect(record.steps).toEqual(JSON.parse(JSON.stringify(parseTrace(RAW))));
    const back = importTrace('clip.trace.json', json);
    expect(back).toEqual({ ...META, raw: RAW, steps: parseTrace(RAW), ...EVIDENCE });
  });

  it('writes no evidence when there is none, and reads version 1 files as having none', () => {
    expect(JSON.parse(toTraceJson(META, RAW))).toMatchObject({ version: TRACE_VERSION, rewatches: [], evidence: [] });
    const v1 = JSON.parse(toTraceJson(META, RAW));
    v1.version = 1;
    delete v1.rewatches;
    delete v1.evidence;
    expect(importTrace('old.json', JSON.stringify(v1))).toEqual({
      ...META,
      raw: RAW,
      steps: parseTrace(RAW),
      rewatches: [],
      evidence: [],
    });
    // Version 1 predates evidence: whatever such a file holds under these names is not read.
    v1.evidence = [{ step: 'x' }];
    expect(importTrace('old.json', JSON.stringify(v1)).evidence).toEqual([]);
  });

  it('keeps a clamped re-watch with its note, a single cited time, and model text as text', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const rewatch = { ...REWATCH, cited: { start: 40 }, clamped: true, note: `00:40 is past the end ${hostile}` };
    const score = { ...SCORE, question: `Does the clip show: ${hostile}?`, score: 0, verdict: 'unsupported' as const };
    const back = importTrace('t.json', toTraceJson(META, RAW, { rewatches: [rewatch], evidence: [score] }));
    expect(back.rewatches).toEqual([rewatch]);
    expect(back.evidence).toEqual([score]);
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

  it('refuses evidence that is malformed or does not fit the trace, naming the field', () => {
    const good = JSON.parse(toTraceJson(META, RAW, EVIDENCE));
    const withRewatch = (patch: Record<string, unknown>) => ({ ...good, rewatches: [{ ...REWATCH, ...patch }] });
    const withScore = (patch: Record<string, unknown>) => ({ ...good, evidence: [{ ...SCORE, ...patch }] });
    const cases: [unknown, RegExp][] = [
      [{ ...good, rewatches: {} }, /"rewatches" must be a list/],
      [{ ...good, rewatches: Array(65).fill(REWATCH) }, /"rewatches" has too many entries \(65; at most 64\)/],
      [{ ...good, rewatches: [REWATCH, REWATCH] }, /"rewatches\[1\]" repeats the re-watch of the action ending at 42/],
      [{ ...good, rewatches: ['x'] }, /"rewatches\[0\]" must be an object/],
      [withRewatch({ at: 5 }), /"rewatches\[0\].at" \(5\) is not where an <action> of the trace ends/],
      [withRewatch({ at: 1.5 }), /"rewatches\[0\].at" must be an offset in "raw" \(0 to \d+\)/],
      [withRewatch({ at: RAW.length + 1 }), /"rewatches\[0\].at" must be an offset/],
      [withRewatch({ start: 'NaN' }), /"rewatches\[0\].start" must be a time in seconds from 0 to 13/],
      [withRewatch({ end: 0.5 }), /"rewatches\[0\].end" is before its start/],
      [withRewatch({ end: 60 }), /"rewatches\[0\].end" must be a time in seconds from 0 to 13/],
      [withRewatch({ times: [] }), /"rewatches\[0\].times" must list at least one time/],
      [withRewatch({ times: [1, -2] }), /"rewatches\[0\].times\[1\]" must be a time/],
      [withRewatch({ times: Array(300).fill(1) }), /"rewatches\[0\].times" has too many entries/],
      [
        withRewatch({ cited: { start: 1e9 } }),
        /"rewatches\[0\].cited.start" must be a time in seconds from 0 to 86400/,
      ],
      [withRewatch({ cited: 3 }), /"rewatches\[0\].cited" must be an object/],
      [withRewatch({ clamped: 'no' }), /"rewatches\[0\].clamped" must be true or false/],
      [withRewatch({ sampleFps: 0 }), /"rewatches\[0\].sampleFps" must be a frame rate above 0/],
      [withRewatch({ inserted: 'x'.repeat(10_001) }), /"rewatches\[0\].inserted" is too long/],
      [withRewatch({ note: 7 }), /"rewatches\[0\].note" must be text/],
      [withRewatch({ action: null }), /"rewatches\[0\].action" must be text/],
      [{ ...good, evidence: 'all good' }, /"evidence" must be a list/],
      [withScore({ step: 1 }), /"evidence\[0\].step" \(1\) is not an observation of the trace/],
      [withScore({ step: 99 }), /"evidence\[0\].step" \(99\) is not an observation/],
      [withScore({ step: '2' }), /"evidence\[0\].step" \("2"\) is not an observation/],
      [withScore({ score: 1.5 }), /"evidence\[0\].score" must be a number from 0 to 1/],
      [withScore({ score: null }), /"evidence\[0\].score" must be a number from 0 to 1/],
      [withScore({ verdict: 'true' }), /"evidence\[0\].verdict" must be one of "supported", "unclear", "unsupported"/],
      [withScore({ question: 5 }), /"evidence\[0\].question" must be text/],
      [withScore({ times: 'all' }), /"evidence\[0\].times" must be a list/],
      [{ ...good, evidence: [SCORE, SCORE] }, /"evidence\[1\]" scores step 3 a second time/],
    ];
    for (const [data, want] of cases) expect(importError('t.json', JSON.stringify(data)), String(want)).toMatch(want);
  });

  it('bounds the times of a trace whose video length is unknown by a day', () => {
    const good = JSON.parse(toTraceJson({ ...META, video: null }, RAW, EVIDENCE));
    good.rewatches[0].end = 3000;
    expect(importTrace('t.json', JSON.stringify(good)).rewatches[0].end).toBe(3000);
    good.rewatches[0].end = 90_000;
    expect(importError('t.json', JSON.stringify(good))).toMatch(/from 0 to 86400/);
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
    expect(back).toMatchObject({ rewatches: [], evidence: [] });
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
