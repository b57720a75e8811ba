/**
 * The short soak: ten questions in a row in the app (the loop `npm run soak` runs fifty of), with the tiny model
 * on WASM over five fixture videos, video switches, Stops, a new video mid-run and a model reload. After
 * every run the frames worker holds no VideoFrame and as many workers are alive as after the first; at the end
 * the app still answers. Memory figures are the script's to print, not asserted here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSoak, runSoak, soakPlan, soakVideos, type Soak, type SoakSample } from '../support/soak-loop.ts';

let soak: Soak;

beforeAll(async () => {
  soak = await openSoak();
}, 600_000);

afterAll(async () => {
  await soak?.close();
});

describe('a short soak', () => {
  it('ten runs leave no VideoFrame open, no worker more or fewer, and the app answering', async (ctx) => {
    ctx.onTestFailed(() => console.log(soak.log.join('\n')));
    const videos = soakVideos(5);
    const plan = soakPlan(10, videos);
    // Every kind of interruption and a reload are in the ten runs.
    expect(new Set(plan.map((s) => s.interruption))).toEqual(
      new Set(['none', 'stop-frames', 'stop-generating', 'new-video']),
    );
    expect(plan.some((s) => s.reload)).toBe(true);

    const samples: SoakSample[] = await runSoak(soak, plan);
    expect(samples.map((s) => s.liveFrames)).toEqual(plan.map(() => 0));
    expect(samples.map((s) => s.decodedOpen)).toEqual(plan.map(() => 0));
    expect(samples.map((s) => s.workers)).toEqual(plan.map(() => samples[0].workers));

    // Still usable: one more question on another video runs to its end, with stats and a trace.
    const [last] = await runSoak(soak, [{ ...plan[0], video: videos[1], reload: false }]);
    expect([last.liveFrames, last.decodedOpen]).toEqual([0, 0]);
    expect(await soak.page.isVisible('[data-testid=error]')).toBe(false);
    expect(await soak.page.textContent('[data-testid=stats]')).toMatch(/Generated\s*\d+ tokens/);
    expect(await soak.page.$$('[data-testid=trace-step]')).not.toHaveLength(0);
  }, 1_200_000);
});
