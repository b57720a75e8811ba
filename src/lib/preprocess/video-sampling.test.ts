import { describe, expect, it } from 'vitest';
import { loadSampling, referenceModels, type FrameSamplingRow } from '../../../tests/support/reference.ts';
import { linspaceIndices, planFrames } from './video-sampling.ts';

describe('planFrames against sampling.json (qwen-vl-utils)', () => {
  for (const model of referenceModels()) {
    const rows: FrameSamplingRow[] = loadSampling(model).frame_sampling.rows;
    it(`${model}: every row (${rows.length})`, () => {
      for (const row of rows) {
        const label = `${row.note} max ${row.max_frames}`;
        const want = row.qwen_vl_utils;
        const duration = row.total_frames / row.video_fps;
        const common = {
          duration,
          videoFps: row.video_fps,
          fps: row.fps,
          maxFrames: row.max_frames,
          minFrames: row.min_frames,
        };
        const plan = planFrames({ ...common, totalFrames: row.total_frames });
        expect(plan.count, label).toBe(want.nframes);
        expect(plan.count / 2, label).toBe(want.grid_t);
        expect(plan.indices, label).toEqual(want.indices);
        expect(plan.sampleFps, label).toBe(want.sample_fps);
        expect(plan.secondPerGridT, label).toBe(want.second_per_grid_t);
        expect(plan.times, label).toEqual(want.indices.map((i: number) => i / row.video_fps));
        for (let i = 1; i < plan.times.length; i++) expect(plan.times[i], label).toBeGreaterThan(plan.times[i - 1]);
        expect(plan.times.at(-1)!, label).toBeLessThan(duration);
        // totalFrames derived from the duration gives the same plan.
        expect(planFrames(common), label).toEqual(plan);
        // The rows where float64 rounding would differ really are exercised.
        if (row.indices_float64_round_half_up_mismatches !== undefined) {
          const n = want.nframes;
          const f64 = Array.from({ length: n }, (_, i) => Math.floor((i * (row.total_frames - 1)) / (n - 1) + 0.5));
          const mismatches = f64.filter((v, i) => v !== want.indices[i]).length;
          expect(mismatches, label).toBe(row.indices_float64_round_half_up_mismatches);
        }
      }
    });
  }
});

describe('planFrames behaviour', () => {
  it('ReWatch defaults: 2 fps, 192 frames, even counts', () => {
    expect(planFrames({ duration: 10, videoFps: 30 }).count).toBe(20);
    expect(planFrames({ duration: 3600, videoFps: 25 }).count).toBe(192);
    expect(planFrames({ duration: 3600, videoFps: 25, maxFrames: 768 }).count).toBe(768);
    expect(planFrames({ duration: 3600, videoFps: 25, maxFrames: 385 }).count).toBe(384);
    expect(planFrames({ duration: 10.3, videoFps: 1 }).count).toBe(10);
  });

  it('keeps every time inside the video even when totalFrames overstates it', () => {
    const plan = planFrames({ duration: 5, videoFps: 30, totalFrames: 200 });
    expect(Math.max(...plan.times)).toBeLessThan(5);
  });

  it('linspace of one frame is the start', () => {
    expect(linspaceIndices(0, 1)).toEqual([0]);
  });

  it('names the bad option', () => {
    expect(() => planFrames({ duration: 10, videoFps: 30, maxFrames: 769 })).toThrow(/maxFrames/);
    expect(() => planFrames({ duration: 10, videoFps: 30, maxFrames: 1 })).toThrow(TypeError);
    expect(() => planFrames({ duration: 10, videoFps: 30, maxFrames: 19.5 })).toThrow(/maxFrames/);
    expect(() => planFrames({ duration: 10, videoFps: 30, minFrames: 0 })).toThrow(/minFrames/);
    expect(() => planFrames({ duration: Number.NaN, videoFps: 30 })).toThrow(/duration/);
    expect(() => planFrames({ duration: 10, videoFps: 0 })).toThrow(/videoFps/);
    expect(() => planFrames({ duration: 10, videoFps: 30, fps: -2 })).toThrow(/fps/);
    expect(() => planFrames({ duration: 10, videoFps: 30, totalFrames: 2.5 })).toThrow(/totalFrames/);
  });

  it('rejects a video with fewer than 2 frames', () => {
    expect(() => planFrames({ duration: 0.04, videoFps: 25 })).toThrow(RangeError);
  });
});
