/**
 * Grounded re-watch and the evidence check in real Chromium (issue 10), through the app's session state
 * (tests/pages/grounded.ts) with the fp32 tiny reference model on WASM and an ffmpeg-made video whose frames
 * show their own index as a pixel code. The tiny model never writes actions, so a scripted action is fed
 * through the loop's append (the forced-prefix test hook). Checked by content: the frames decoded for a cited
 * range and handed to the model are exactly planClip's; the inserted text is rewatchText's; a time past the end
 * is clamped and says so; N is honoured; Stop while a clip is decoded cancels the decode and ends cleanly (no
 * frame left open); the evidence score lies in [0, 1] and equals a cold, separate run's; "Check evidence" works
 * on an imported trace. A decode at given times does not cancel a running extract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures, { MODEL_FIXTURES_URL } from '../../scripts/fixtures/models.ts';
import makeVideos, { GOOD_VIDEOS, VIDEO_FIXTURES_URL } from '../../scripts/fixtures/videos.ts';
import { rewatchText } from '../../src/lib/generation/grounded-rewatch.ts';
import { verdict } from '../../src/lib/generation/evidence-check.ts';
import { planClip, type CitedRange } from '../../src/lib/preprocess/rewatch-clip.ts';
import { smartResize } from '../../src/lib/preprocess/smart-resize.ts';
import { openTestPage, type TestPage } from '../support/browser.ts';
import { openHarness, type HarnessClient } from '../support/harness.ts';
import type { AskOptions, GroundedHarness, Outcome } from '../pages/grounded.ts';

let harness: TestPage;
let grounded: HarnessClient<GroundedHarness>;

const MODEL_URL = `${MODEL_FIXTURES_URL}/qwen2_5_vl_tiny/`;
/** 10 s at 30 fps, 320x240, with its frame index drawn on each frame. */
const VIDEO = GOOD_VIDEOS.find((v) => v.file === 'h264.mp4')!;
const CLIP_VIDEO = { duration: VIDEO.frames / VIDEO.fps, videoFps: VIDEO.fps };
/** The tiny model's frame size (its catalog budget: 24 visual tokens per two frames). */
const SIZE = { minPixels: 24 * 28 * 28, maxPixels: 24 * 28 * 28 };
const QUESTION = 'What changes in the middle of the video?';

const plan = (cited: CitedRange) => planClip(cited, CLIP_VIDEO);

async function ask(options: Omit<AskOptions, 'question'>): Promise<Outcome> {
  const outcome = await grounded.ask({ question: QUESTION, ...options });
  expect(outcome.message).toBe('');
  return outcome;
}

beforeAll(async () => {
  await makeModelFixtures();
  await makeVideos();
  harness = await openTestPage();
  grounded = await openHarness<GroundedHarness>(harness.page, `${harness.url}/tests/pages/grounded.html`);
  expect(await grounded.load(MODEL_URL)).toBe('');
  await grounded.openVideo(`${VIDEO_FIXTURES_URL}/${VIDEO.file}`);
}, 300_000);

afterAll(async () => {
  await harness?.close();
});

describe('decoding at given times', () => {
  it('gives the frames of planClip by content, at the model size, beside a running extract it does not cancel', async () => {
    const wanted = plan({ start: 2, end: 4 });
    const r = await grounded.extractTimesBesideExtract(`${VIDEO_FIXTURES_URL}/${VIDEO.file}`, wanted.times, SIZE);
    expect(r.clip.outcome).toBe('ok');
    expect(r.clip.codes).toEqual(wanted.indices);
    r.clip.timestamps.forEach((t, i) => expect(t).toBeCloseTo(wanted.indices[i] / VIDEO.fps, 3));
    const size = smartResize(VIDEO.codedHeight, VIDEO.codedWidth, SIZE);
    expect([r.clip.width, r.clip.height]).toEqual([size.width, size.height]);
    expect(r.extracted).toBe(16);
    expect(r.openFrames).toBe(0);
  });
});

describe('grounded re-watch', () => {
  it('re-watches a cited range: the frames handed to the model are planClip’s, with rewatchText’s wording', async (ctx) => {
    ctx.onTestFailed(() => console.log(harness.log.join('\n')));
    const forced = '<action>re-watch 00:02-00:04</action>';
    const r = await ask({ grounded: true, forcedPrefix: forced });
    const wanted = plan({ start: 2, end: 4 });
    expect(wanted.count).toBe(8);
    expect(r.decodes).toHaveLength(1);
    expect(r.decodes[0].times).toEqual(wanted.times);
    expect(r.decodes[0].codes).toEqual(wanted.indices);
    expect(r.raw.startsWith(forced)).toBe(true);
    expect(r.rewatches).toEqual([
      {
        action: 're-watch 00:02-00:04',
        cited: { start: 2, end: 4 },
        start: 2,
        end: 4,
        clamped: false,
        times: wanted.times,
        sampleFps: wanted.sampleFps,
        inserted: rewatchText({ start: 2, end: 4, frames: 8, sampleFps: wanted.sampleFps, clamped: false }),
        at: forced.length,
      },
    ]);
    expect(r.rewatches[0].inserted).toBe(
      '\nRe-watching 00:02-00:04 (8 frames at 4 fps):<|vision_start|><|video_pad|><|vision_end|>\n',
    );
    expect(r.openFrames).toBe(0);
  });

  it('off: nothing is re-watched', async () => {
    const r = await ask({ grounded: false, forcedPrefix: '<action>re-watch 00:02-00:04</action>' });
    expect(r.decodes).toEqual([]);
    expect(r.rewatches).toEqual([]);
  });

  it('a time past the end of the video is clamped, and the record and the inserted text say so', async () => {
    const r = await ask({ grounded: true, forcedPrefix: '<action>look again at 00:12</action>' });
    const wanted = plan({ start: 12 });
    expect(wanted.clamped).toBe(true);
    expect(r.decodes[0].codes).toEqual(wanted.indices);
    expect(r.rewatches).toHaveLength(1);
    expect(r.rewatches[0]).toMatchObject({
      cited: { start: 12 },
      start: 8,
      end: 10,
      clamped: true,
      times: wanted.times,
    });
    expect(r.rewatches[0].note).toBe('00:12 is past the end of the video (00:10); re-watched 00:08-00:10 instead');
    expect(r.rewatches[0].inserted).toContain('(the end of the video; ');
  });

  it('honours the limit of re-watches per answer', async () => {
    const forced =
      '<action>re-watch 00:00-00:01</action><observation>a</observation><action>then 00:05</action><observation>b</observation><action>and 00:07-00:08</action>';
    const r = await ask({ grounded: true, forcedPrefix: forced, maxRewatches: 2 });
    expect(r.rewatches.map((w) => w.cited)).toEqual([{ start: 0, end: 1 }, { start: 5 }]);
    expect(r.decodes.map((d) => d.codes)).toEqual([plan({ start: 0, end: 1 }).indices, plan({ start: 5 }).indices]);
  });

  it('Stop while a clip is decoded cancels the decode, ends the run cleanly, and the next run works', async () => {
    const r = await ask({ grounded: true, forcedPrefix: '<action>re-watch 00:03-00:06</action>', stopOnDecode: true });
    expect(r.decodes).toHaveLength(1);
    expect(r.decodes[0].outcome).toBe('cancelled');
    expect(r.rewatches).toEqual([]);
    expect(r.note).toBe('Stopped: the model was interrupted here.');
    expect(r.openFrames).toBe(0);
    const again = await ask({ grounded: true, forcedPrefix: '<action>re-watch 00:03-00:06</action>' });
    expect(again.rewatches).toHaveLength(1);
    expect(again.decodes[0].codes).toEqual(plan({ start: 3, end: 6 }).indices);
  });
});

describe('evidence check', () => {
  const observation = 'a white square in the top left corner';

  it('after a grounded answer, scores its observation against the re-watched clip (decoded once), as a cold separate run does', async () => {
    // A range no earlier test decoded (the clips of the open video are kept across runs).
    const forced = `<action>re-watch 00:06-00:08</action><observation>${observation}</observation>`;
    const r = await ask({ grounded: true, forcedPrefix: forced, checkAfterAnswer: true });
    const wanted = plan({ start: 6, end: 8 });
    // One decode: the check reused the clip the re-watch decoded.
    expect(r.decodes.map((d) => d.codes)).toEqual([wanted.indices]);
    expect(r.rewatches).toHaveLength(1);
    expect(r.evidence).toHaveLength(1);
    const [e] = r.evidence;
    expect(e).toMatchObject({ step: 1, observation, start: 6, end: 8, times: wanted.times });
    expect(e.question).toBe(`Does the clip show: ${observation}? Answer yes or no.`);
    expect(e.score).toBeGreaterThanOrEqual(0);
    expect(e.score).toBeLessThanOrEqual(1);
    expect(e.verdict).toBe(verdict(e.score));
    const cold = await grounded.coldScore(MODEL_URL, observation, 0, wanted.sampleFps);
    expect(Math.abs(e.score - cold)).toBeLessThan(1e-5);
  });

  it('"Check evidence" on an imported trace decodes the cited range and scores each observation', async () => {
    const raw = `<think>first</think><action>re-watch 00:01-00:03</action><observation>${observation}</observation><answer>A</answer>`;
    expect(await grounded.importTrace('official.txt', raw)).toBe('');
    const r = await grounded.checkEvidence();
    expect(r.message).toBe('');
    const wanted = plan({ start: 1, end: 3 });
    expect(r.decodes.map((d) => d.codes)).toEqual([wanted.indices]);
    expect(r.evidence).toHaveLength(1);
    expect(r.evidence[0]).toMatchObject({ step: 2, observation, start: 1, end: 3, times: wanted.times });
    const cold = await grounded.coldScore(MODEL_URL, observation, 0, wanted.sampleFps);
    expect(Math.abs(r.evidence[0].score - cold)).toBeLessThan(1e-5);
    expect(r.openFrames).toBe(0);
  });

  it('Stop while a clip is decoded for the check ends it cleanly; checking again then works', async () => {
    const raw = `<action>re-watch 00:08-00:09</action><observation>${observation}</observation>`;
    expect(await grounded.importTrace('stopped.txt', raw)).toBe('');
    const stopped = await grounded.checkEvidence(true);
    expect(stopped).toMatchObject({ message: '', evidence: [], openFrames: 0, running: false });
    expect(stopped.decodes.map((d) => d.outcome)).toEqual(['cancelled']);
    const again = await grounded.checkEvidence();
    expect(again.decodes.map((d) => d.codes)).toEqual([plan({ start: 8, end: 9 }).indices]);
    expect(again.evidence).toHaveLength(1);
  });

  it('says why when nothing can be checked', async () => {
    expect(await grounded.importTrace('plain.txt', '<think>no time cited</think><answer>B</answer>')).toBe('');
    expect((await grounded.checkEvidence()).message).toBe(
      'No observation in this trace cites a time or range: there is nothing to check.',
    );
  });
});
