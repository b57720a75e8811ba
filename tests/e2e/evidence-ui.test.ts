/**
 * The evidence of a trace on screen, without a model, in real Chromium: an imported version 2 trace (grounded
 * re-watches and evidence scores) over an ffmpeg video whose frames carry their own index as a pixel code.
 * Filmstrips show exactly the planned frames (read back from the thumbnails' pixels), a thumbnail seeks, badges
 * carry verdict and score, export -> import keeps the evidence, model text stays text, and a trace without its
 * video shows the times until the video is opened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { GOOD_VIDEOS, VIDEO_FIXTURES_DIR } from '../../scripts/fixtures/videos.ts';
import { evidenceQuestion, verdict } from '../../src/lib/generation/evidence-check.ts';
import { rewatchText } from '../../src/lib/generation/grounded-rewatch.ts';
import { planClip, type ClipPlan } from '../../src/lib/preprocess/rewatch-clip.ts';
import type { ObservationEvidence, RewatchEvidence } from '../../src/lib/trace/trace-evidence.ts';
import { toTraceJson, type TraceMeta } from '../../src/lib/trace/trace-export.ts';
import { parseTrace } from '../../src/lib/trace/trace-parser.ts';
import { appPages } from '../support/app-pages.ts';
import type { Page } from '../support/browser.ts';
import { readFrameCode } from '../support/frame-code.ts';
import type { ProbeWindow } from '../support/harness.ts';

const VIDEO = GOOD_VIDEOS.find((v) => v.file === 'h264.mp4')!;
const DURATION = VIDEO.frames / VIDEO.fps;
const HOSTILE = '<img src=x onerror="window.__xss=1">';

// The second action cites a time past the 10 s video: its clip is clamped to the end and says so.
const RAW =
  'Find the box. <action>re-watch 00:02-00:04</action><observation>The box turns red.</observation>' +
  ` Then <action>check 00:12</action><observation>It stays ${HOSTILE} still.</observation>` +
  ' <answer>B</answer>';
const STEPS = parseTrace(RAW);

function rewatchOf(action: string, cited: { start: number; end?: number }): [RewatchEvidence, ClipPlan] {
  const plan = planClip(cited, { duration: DURATION, videoFps: VIDEO.fps });
  const close = RAW.indexOf('</action>', RAW.indexOf(action)) + '</action>'.length;
  const rewatch: RewatchEvidence = {
    action,
    cited,
    start: plan.start,
    end: plan.end,
    clamped: plan.clamped,
    times: plan.times,
    sampleFps: plan.sampleFps,
    inserted: rewatchText({ ...plan, frames: plan.count }),
    at: close,
  };
  if (plan.note) rewatch.note = plan.note;
  return [rewatch, plan];
}
const [FIRST, FIRST_PLAN] = rewatchOf('re-watch 00:02-00:04', { start: 2, end: 4 });
const [SECOND, SECOND_PLAN] = rewatchOf('check 00:12', { start: 12 });

function scoreOf(step: number, rewatch: RewatchEvidence, score: number): ObservationEvidence {
  const observation = STEPS[step].text;
  return {
    step,
    observation,
    start: rewatch.start,
    end: rewatch.end,
    times: rewatch.times,
    question: evidenceQuestion(observation),
    score,
    verdict: verdict(score),
  };
}
const EVIDENCE = [scoreOf(2, FIRST, 0.82), scoreOf(5, SECOND, 0.2)];
const META: TraceMeta = {
  video: { name: VIDEO.file, duration: DURATION },
  question: 'What does the box do? A. nothing B. turns red',
  model: { name: 'ReWatch-R1' },
  settings: {},
  timings: {},
};
const TRACE_JSON = toTraceJson(META, RAW, { rewatches: [FIRST, SECOND], evidence: EVIDENCE });

/** What these tests put on the page's window. */
interface AppProbes {
  __seeks: number[];
  __xss?: number;
}
type AppWindow = ProbeWindow<AppProbes>;

const app = appPages();
let page: Page;

const jsonFile = (name: string, text: string) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
const videoFile = () => ({
  name: VIDEO.file,
  mimeType: 'video/mp4',
  buffer: readFileSync(join(VIDEO_FIXTURES_DIR, VIDEO.file)),
});

async function waitForPlayer() {
  await page.waitForFunction(() => (document.querySelector('[data-testid=player]') as HTMLVideoElement).duration > 0);
  await page.evaluate(() => {
    const video = document.querySelector('video')!;
    video.pause();
    const w = window as AppWindow;
    w.__seeks = [];
    video.addEventListener('seeked', () => w.__seeks.push(video.currentTime));
  });
}

/** The filmstrip under the action step `step`. */
const filmstripOf = (step: number) =>
  page.locator('[data-testid=trace-step]').nth(step).locator('[data-testid=filmstrip]');

/** Waits for the thumbnails of the action step `step`; returns each one's data-time and the frame index its pixels show. */
async function thumbnailsOf(step: number, count: number): Promise<{ times: number[]; codes: (number | null)[] }> {
  const frames = filmstripOf(step).locator('[data-testid=filmstrip-frame]');
  const ready = ([s, n]: readonly [number, number]) => {
    const step = document.querySelectorAll('[data-testid=trace-step]')[s];
    return step?.querySelectorAll('[data-testid=filmstrip-frame] canvas').length === n;
  };
  await page.waitForFunction(ready, [step, count] as const).catch(async (e: Error) => {
    throw new Error(`no thumbnails; the filmstrip says: ${await filmstripOf(step).textContent()}`, { cause: e });
  });
  const times = (await frames.evaluateAll((els) => els.map((el) => el.getAttribute('data-time')))).map(Number);
  const pixels = await frames.evaluateAll((els) =>
    els.map((el) => {
      const canvas = el.querySelector('canvas')!;
      const { data, width, height } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      return { rgba: Array.from(data), width, height };
    }),
  );
  const codes = pixels.map(({ rgba, width, height }) => {
    const rgb = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) rgb.set(rgba.slice(p * 4, p * 4 + 3), p * 3);
    return readFrameCode(rgb, width, height);
  });
  return { times, codes };
}

async function badges(): Promise<{ verdict: string | null; score: number; text: string; title: string | null }[]> {
  return page.$$eval('[data-testid=trace] [data-testid=evidence]', (els) =>
    els.map((el) => ({
      verdict: el.getAttribute('data-verdict'),
      score: Number(el.getAttribute('data-score')),
      text: el.textContent!.trim(),
      title: el.getAttribute('title'),
    })),
  );
}

beforeEach(async (ctx) => {
  page = await app.open(ctx);
});

describe('filmstrips', () => {
  it('show exactly the planned frames of each re-watch, by content, and a clamped one says so', async () => {
    await page.setInputFiles('[data-testid=import-trace]', [jsonFile('h264.trace.json', TRACE_JSON), videoFile()]);
    await waitForPlayer();
    for (const [step, plan] of [
      [1, FIRST_PLAN],
      [4, SECOND_PLAN],
    ] as const) {
      const { times, codes } = await thumbnailsOf(step, plan.count);
      expect(times, `step ${step}`).toEqual(plan.times);
      expect(codes, `step ${step}`).toEqual(plan.indices);
    }
    // The first re-watch spans 00:02-00:04 densely; the second is the video's last 2 s.
    expect(FIRST_PLAN.indices[0]).toBe(60);
    expect(SECOND_PLAN.indices.at(-1)).toBe(VIDEO.frames - 1);
    expect(await filmstripOf(1).locator('[data-testid=filmstrip-note]').count()).toBe(0);
    expect(await filmstripOf(4).locator('[data-testid=filmstrip-note]').textContent()).toContain(
      '00:12 is past the end of the video (00:10)',
    );
    expect(await filmstripOf(1).textContent()).toContain('experimental');
    // Only action steps with a re-watch carry a filmstrip.
    expect(await page.locator('[data-testid=filmstrip]').count()).toBe(2);
  });

  it('seek the player to a thumbnail when clicked', async () => {
    await page.setInputFiles('[data-testid=import-trace]', [jsonFile('h264.trace.json', TRACE_JSON), videoFile()]);
    await waitForPlayer();
    await thumbnailsOf(1, FIRST_PLAN.count);
    const frame = filmstripOf(1).locator('[data-testid=filmstrip-frame]').nth(3);
    await frame.click();
    await page.waitForFunction(() => (window as AppWindow).__seeks.length === 1);
    const [seeked] = await page.evaluate(() => (window as AppWindow).__seeks);
    expect(Math.abs(seeked - FIRST_PLAN.times[3])).toBeLessThan(0.05);
  });

  it('show the times without the video, with a note, and the frames once the video is opened', async () => {
    await page.setInputFiles('[data-testid=import-trace]', jsonFile('h264.trace.json', TRACE_JSON));
    await page.waitForSelector('[data-testid=filmstrip]');
    const chips = filmstripOf(1).locator('[data-testid=filmstrip-time]');
    expect((await chips.evaluateAll((els) => els.map((el) => el.getAttribute('data-time')))).map(Number)).toEqual(
      FIRST_PLAN.times,
    );
    expect(await chips.first().textContent()).toBe('00:02');
    expect(await filmstripOf(1).textContent()).toContain('The frames appear here when the video is opened.');
    expect(await page.locator('[data-testid=filmstrip-frame]').count()).toBe(0);

    await page.setInputFiles('[data-testid=video-input]', videoFile());
    const { codes } = await thumbnailsOf(1, FIRST_PLAN.count);
    expect(codes).toEqual(FIRST_PLAN.indices);
    expect(await page.locator('[data-testid=filmstrip-time]').count()).toBe(0);
  });
});

describe('evidence of a trace without re-watches', () => {
  it('shows under each checked observation the frames it was checked against', async () => {
    const checkedOnly = toTraceJson(META, RAW, { rewatches: [], evidence: EVIDENCE });
    await page.setInputFiles('[data-testid=import-trace]', [jsonFile('checked.trace.json', checkedOnly), videoFile()]);
    await waitForPlayer();
    for (const [step, plan] of [
      [2, FIRST_PLAN],
      [5, SECOND_PLAN],
    ] as const) {
      const { times, codes } = await thumbnailsOf(step, plan.count);
      expect(times, `step ${step}`).toEqual(plan.times);
      expect(codes, `step ${step}`).toEqual(plan.indices);
      expect(await filmstripOf(step).textContent()).toContain('Checked against');
    }
    expect(await page.locator('[data-testid=filmstrip]').count()).toBe(2);
  });
});

describe('evidence badges', () => {
  it('carry verdict, score and question; the answer counts the supported observations', async () => {
    await page.setInputFiles('[data-testid=import-trace]', jsonFile('h264.trace.json', TRACE_JSON));
    await page.waitForSelector('[data-testid=evidence]');
    expect(await badges()).toEqual([
      {
        verdict: 'supported',
        score: 0.82,
        text: 'supported 0.82',
        title: expect.stringContaining('Asked: "Does the clip show: The box turns red? Answer yes or no."'),
      },
      {
        verdict: 'unsupported',
        score: 0.2,
        text: 'not supported 0.20',
        title: expect.stringContaining(`Does the clip show: It stays ${HOSTILE} still?`),
      },
    ]);
    // Each badge sits on its observation.
    const kinds = await page.$$eval('[data-testid=evidence]', (els) =>
      els.map((el) => el.closest('[data-testid=trace-step]')!.getAttribute('data-kind')),
    );
    expect(kinds).toEqual(['observation', 'observation']);
    expect(await page.textContent('[data-testid=evidence-tally]')).toContain('1 of 2 observations supported');
  });

  it('keep model text as text: no element, no script from the evidence', async () => {
    const hostile = JSON.parse(TRACE_JSON);
    hostile.rewatches[1].note = `past the end ${HOSTILE}`;
    hostile.rewatches[1].action = HOSTILE;
    await page.setInputFiles('[data-testid=import-trace]', [
      jsonFile('h264.trace.json', JSON.stringify(hostile)),
      videoFile(),
    ]);
    await page.waitForSelector('[data-testid=filmstrip-note]');
    expect(await filmstripOf(4).locator('[data-testid=filmstrip-note]').textContent()).toBe(`past the end ${HOSTILE}`);
    expect((await badges())[1].title).toContain(HOSTILE);
    expect(await page.locator('[data-testid=trace] img, [data-testid=trace] script').count()).toBe(0);
    expect(await page.evaluate(() => (window as AppWindow).__xss)).toBeUndefined();
  });

  it("ride on the caption of the observation's segment during Play trace", async () => {
    await page.setInputFiles('[data-testid=import-trace]', [jsonFile('h264.trace.json', TRACE_JSON), videoFile()]);
    await waitForPlayer();
    await page.click('[data-testid=play-trace]');
    const badge = page.locator('[data-testid=caption] [data-testid=evidence]');
    await badge.waitFor();
    expect(await badge.getAttribute('data-verdict')).toBe('supported');
    expect(await badge.textContent()).toBe('supported 0.82');
  });
});

describe('export and import', () => {
  it('keeps the re-watches and the evidence', async () => {
    await page.setInputFiles('[data-testid=import-trace]', [jsonFile('h264.trace.json', TRACE_JSON), videoFile()]);
    await waitForPlayer();
    await page.waitForSelector('[data-testid=evidence]');
    const shown = await badges();
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-json]')]);
    const exported = readFileSync((await download.path())!, 'utf8');
    const record = JSON.parse(exported);
    const original = JSON.parse(TRACE_JSON);
    expect(record.version).toBe(2);
    expect(record.rewatches).toEqual(original.rewatches);
    expect(record.evidence).toEqual(original.evidence);
    expect(record.raw).toBe(RAW);

    await page.reload();
    await page.setInputFiles('[data-testid=import-trace]', [jsonFile('again.trace.json', exported), videoFile()]);
    await waitForPlayer();
    await page.waitForSelector('[data-testid=evidence]');
    expect(await badges()).toEqual(shown);
    const { codes } = await thumbnailsOf(1, FIRST_PLAN.count);
    expect(codes).toEqual(FIRST_PLAN.indices);
  });

  it('still reads raw model output as .txt, with no evidence', async () => {
    await page.setInputFiles('[data-testid=import-trace]', [
      { name: 'output.txt', mimeType: 'text/plain', buffer: Buffer.from(RAW) },
      videoFile(),
    ]);
    await page.waitForSelector('[data-testid=trace-step][data-kind=answer]');
    expect(await page.locator('[data-testid=trace-step]').count()).toBe(STEPS.length);
    expect(
      await page.locator('[data-testid=filmstrip], [data-testid=evidence], [data-testid=evidence-tally]').count(),
    ).toBe(0);
  });

  it('refuses evidence pointing at no observation, with a message, keeping the trace on screen', async () => {
    await page.setInputFiles('[data-testid=import-trace]', jsonFile('h264.trace.json', TRACE_JSON));
    await page.waitForSelector('[data-testid=evidence]');
    const bad = JSON.parse(TRACE_JSON);
    bad.evidence[0].step = 1;
    await page.setInputFiles('[data-testid=import-trace]', jsonFile('bad.trace.json', JSON.stringify(bad)));
    await page.waitForSelector('[data-testid=error]');
    expect(await page.textContent('[data-testid=error]')).toContain(
      '"evidence[0].step" (1) is not an observation of the trace.',
    );
    expect(await page.locator('[data-testid=evidence]').count()).toBe(2);
  });
});

describe('check evidence', () => {
  it('is disabled without a model, and says why; with nothing to check, says that', async () => {
    await page.setInputFiles('[data-testid=import-trace]', [jsonFile('h264.trace.json', TRACE_JSON), videoFile()]);
    await page.waitForSelector('[data-testid=check-evidence]');
    expect(await page.isDisabled('[data-testid=check-evidence]')).toBe(true);
    expect(await page.textContent('[data-testid=check-evidence-why]')).toContain('Load a model to check the evidence.');

    const uncited = '<action>look again</action><observation>Nothing moves.</observation><answer>A</answer>';
    await page.setInputFiles('[data-testid=import-trace]', {
      name: 'uncited.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(uncited),
    });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-step]').length === 3);
    expect(await page.isDisabled('[data-testid=check-evidence]')).toBe(true);
    expect(await page.textContent('[data-testid=check-evidence-why]')).toContain(
      'No observation in this trace cites a time to check.',
    );
  });
});

describe('grounded re-watch settings', () => {
  it('sit under the question form, labelled experimental, and keep what a person sets across a reload', async () => {
    const summary = page.locator('[data-testid=grounded-options] summary');
    expect(await summary.textContent()).toContain('experimental');
    await summary.click();
    await page.fill('[data-testid=max-rewatches]', '5');
    await page.uncheck('[data-testid=check-after-answer]');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=grounded-options] summary')?.textContent?.includes('up to 5'),
    );

    await page.reload();
    await page.click('[data-testid=grounded-options] summary');
    expect(await page.inputValue('[data-testid=max-rewatches]')).toBe('5');
    expect(await page.isChecked('[data-testid=check-after-answer]')).toBe(false);
    await page.uncheck('[data-testid=grounded]');
    expect(await summary.textContent()).toContain('off');
    expect(await page.isDisabled('[data-testid=max-rewatches]')).toBe(true);
    expect(await page.isDisabled('[data-testid=check-after-answer]')).toBe(true);
    await page.evaluate(() => localStorage.clear());
  });
});
