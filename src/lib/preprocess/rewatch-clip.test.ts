import { describe, expect, it } from 'vitest';
import { CLIP_MAX_FPS, CLIP_MAX_FRAMES, planClip } from './rewatch-clip.ts';
import { secondPerGridT } from './video-sampling.ts';

const video = { duration: 60, videoFps: 30 };

describe('planClip', () => {
  it('a 2 s range: 8 frames at 4 fps, spread over the range, at its native indices', () => {
    const plan = planClip({ start: 2, end: 4 }, video);
    expect(plan.count).toBe(8);
    expect(plan.indices[0]).toBe(60);
    expect(plan.indices.at(-1)).toBe(119);
    expect(plan.times[0]).toBe(2);
    expect(plan.times.at(-1)!).toBeLessThan(4);
    expect(plan.sampleFps).toBeCloseTo(4, 10);
    expect(plan.secondPerGridT).toBe(secondPerGridT(plan.sampleFps));
    expect(plan.clamped).toBe(false);
    expect(plan.note).toBeUndefined();
    expect([plan.start, plan.end]).toEqual([2, 4]);
  });

  it('a long range: at most 16 frames, at the rate that spreads them over it', () => {
    const plan = planClip({ start: 10, end: 50 }, video);
    expect(plan.count).toBe(CLIP_MAX_FRAMES);
    expect(plan.sampleFps).toBeCloseTo(16 / 40, 10);
    expect(plan.sampleFps).toBeLessThanOrEqual(CLIP_MAX_FPS);
    expect(new Set(plan.indices).size).toBe(16);
    expect(plan.indices).toEqual([...plan.indices].sort((a, b) => a - b));
  });

  it('a single time: a 2 s window centred on it, shifted inside the video at its start', () => {
    expect(planClip({ start: 5 }, video)).toMatchObject({ start: 4, end: 6, count: 8, clamped: false });
    expect(planClip({ start: 0.3 }, video)).toMatchObject({ start: 0, end: 2, count: 8 });
  });

  it('a time beyond the end is clamped and says so', () => {
    const plan = planClip({ start: 75 }, video);
    expect(plan.clamped).toBe(true);
    expect([plan.start, plan.end]).toEqual([58, 60]);
    expect(plan.note).toBe('01:15 is past the end of the video (01:00); re-watched 00:58-01:00 instead');
    expect(plan.indices.at(-1)).toBe(1799);
    const range = planClip({ start: 55, end: 90 }, video);
    expect(range).toMatchObject({ start: 55, end: 60, clamped: true });
    expect(range.note).toContain('00:55-01:30 is past the end');
  });

  it('an even count: a range with an odd number of frames takes fewer, one frame is repeated', () => {
    // 2 fps native: 00:02-00:04 holds 4 frames, 00:02-00:03.5 three.
    const slow = { duration: 4, videoFps: 2 };
    expect(planClip({ start: 2, end: 4 }, slow)).toMatchObject({ indices: [4, 5, 6, 7], sampleFps: 2 });
    expect(planClip({ start: 2, end: 3.5 }, slow).indices).toEqual([4, 6]);
    const tiny = planClip({ start: 1, end: 1.2 }, { duration: 4, videoFps: 2 });
    expect(tiny.indices).toEqual([2, 2]);
    expect(tiny.sampleFps).toBe(4);
  });

  it('the frame count is even, at most 16 and at most 4 fps, for many ranges', () => {
    for (let start = 0; start < 70; start += 3.7)
      for (const len of [undefined, 0, 0.4, 1, 2.5, 7, 33]) {
        const plan = planClip({ start, end: len === undefined ? undefined : start + len }, video);
        expect(plan.count % 2).toBe(0);
        expect(plan.count).toBeLessThanOrEqual(16);
        expect(plan.count).toBeLessThanOrEqual(Math.max(2, (plan.end - plan.start) * 4));
        expect(plan.indices.every((i) => i >= 0 && i < 1800)).toBe(true);
        expect(plan.start).toBeGreaterThanOrEqual(0);
        expect(plan.end).toBeLessThanOrEqual(60);
      }
  });

  it('rejects bad times and videos', () => {
    expect(() => planClip({ start: -1 }, video)).toThrow(TypeError);
    expect(() => planClip({ start: 1, end: NaN }, video)).toThrow(TypeError);
    expect(() => planClip({ start: 1 }, { duration: 0, videoFps: 30 })).toThrow(TypeError);
    expect(() => planClip({ start: 1 }, video, { maxFrames: 1 })).toThrow(TypeError);
  });
});
