/**
 * The frames worker in real Chromium (WebCodecs): every good fixture gives the planned frames (checked by the
 * frame index each frame carries as a pixel code), upright and at the smart_resize size; every bad input gives
 * its error kind and the same worker then still works; cancel and "latest wins" work; no frame stays open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeVideos, {
  BAD_VIDEOS,
  GOOD_VIDEOS,
  VIDEO_FIXTURES_URL,
  type GoodVideo,
} from '../../scripts/fixtures/videos.ts';
import type { ExtractOptions, FrameResize } from '../../src/lib/protocol/frames-protocol.ts';
import { REWATCH_FRAME_PIXELS, smartResize } from '../../src/lib/preprocess/smart-resize.ts';
import { planFrames } from '../../src/lib/preprocess/video-sampling.ts';
import { openTestPage, type TestPage } from '../support/browser.ts';
import { openHarness, type HarnessClient } from '../support/harness.ts';
import type { FramesHarness } from '../pages/frames.ts';

const REWATCH: ExtractOptions = {
  fps: 2,
  maxFrames: 192,
  minPixels: REWATCH_FRAME_PIXELS,
  maxPixels: REWATCH_FRAME_PIXELS,
};

let harness: TestPage;
let consoleLines: string[];
/** The page's harness (tests/pages/frames.ts). */
let frames: HarnessClient<FramesHarness>;

const url = (file: string) => `${VIDEO_FIXTURES_URL}/${file}`;

beforeAll(async () => {
  await makeVideos();
  harness = await openTestPage();
  consoleLines = harness.log;
  frames = await openHarness<FramesHarness>(harness.page, `${harness.url}/tests/pages/frames.html`);
});

afterAll(async () => {
  await harness?.close();
});

/** The frames a correct decoder returns for a fixture, from its known frame count and rate alone. */
function expected(video: GoodVideo) {
  const plan = planFrames({ duration: video.frames / video.fps, videoFps: video.fps, totalFrames: video.frames });
  const [displayW, displayH] =
    video.rotation % 180 === 0 ? [video.codedWidth, video.codedHeight] : [video.codedHeight, video.codedWidth];
  return {
    plan,
    displayW,
    displayH,
    size: smartResize(displayH, displayW, { minPixels: REWATCH_FRAME_PIXELS, maxPixels: REWATCH_FRAME_PIXELS }),
  };
}

async function expectGoodExtract(video: GoodVideo, resize: FrameResize): Promise<void> {
  const r = await frames.extract(url(video.file), { ...REWATCH, resize });
  if (!r.ok) throw new Error(`${video.file}: ${r.kind}: ${r.message}\n${consoleLines.join('\n')}`);
  const { plan, displayW, displayH, size } = expected(video);
  expect(r.info).toMatchObject({
    codec: video.codec,
    codedWidth: video.codedWidth,
    codedHeight: video.codedHeight,
    rotation: video.rotation,
    width: displayW,
    height: displayH,
  });
  expect(r.info.fps).toBeCloseTo(video.fps, 6);
  expect(r.info.duration).toBeCloseTo(video.frames / video.fps, 6);
  expect([r.width, r.height]).toEqual([size.width, size.height]);
  expect(r.sizesOk).toBe(true);
  expect(r.plannedTimes).toEqual(plan.times);
  expect(r.sampleFps).toBeCloseTo(plan.sampleFps, 9);
  expect(r.secondPerGridT).toBeCloseTo(plan.secondPerGridT, 9);
  // Content: each frame shows the index the plan asked for, read upright from the pixels.
  expect(r.codes).toEqual(plan.indices);
  r.timestamps.forEach((t, i) => expect(t).toBeCloseTo(plan.indices[i] / video.fps, 3));
  expect(r.progress).toEqual(plan.indices.map((_, i) => i + 1));
}

describe('frames worker: good videos', () => {
  for (const video of GOOD_VIDEOS) {
    for (const resize of ['bicubic', 'canvas'] as const) {
      it(`${video.file} (${resize}): the planned frames, upright, at the smart_resize size`, async () => {
        await expectGoodExtract(video, resize);
      });
    }
  }

  it('probe reports the rotated video as displayed (portrait) without decoding', async () => {
    const r = await frames.probe(url('rotated.mp4'));
    expect(r).toMatchObject({
      ok: true,
      info: { rotation: 90, width: 240, height: 320, codedWidth: 320, codedHeight: 240 },
    });
  });
});

describe('frames worker: bad input', () => {
  const messages: Record<string, RegExp> = {
    'not-a-video': /not a video/i,
    'no-video-track': /no video track/i,
    empty: /empty/i,
    truncated: /truncated/i,
    'unsupported-codec': /cannot decode HEVC/i,
    'decode-failed': /damaged/i,
  };
  for (const bad of BAD_VIDEOS) {
    it(`${bad.file}: ${bad.kind}, and the same worker then still extracts a good video`, async () => {
      for (const fn of ['probe', 'extract'] as const) {
        // Their indexes are intact: only decoding finds the cut or the damage.
        if (fn === 'probe' && (bad.file === 'truncated.mp4' || bad.file === 'corrupt.mp4')) continue;
        const r = await frames[fn](url(bad.file), REWATCH);
        expect(r, `${fn}: ${JSON.stringify(r)}`).toMatchObject({ ok: false, kind: bad.kind });
        if (!r.ok) expect(r.message).toMatch(messages[bad.kind]);
      }
      await expectGoodExtract(GOOD_VIDEOS[0], 'bicubic');
    });
  }
});

describe('frames worker: cancel and lifetime', () => {
  it('cancel mid-extract stops it with kind cancelled; the next extract succeeds', async () => {
    const r = await frames.extractThenCancel(url('h264.mp4'), REWATCH, 3);
    expect(r).toMatchObject({ ok: false, kind: 'cancelled' });
    expect(r.progress.length).toBeLessThan(expected(GOOD_VIDEOS[0]).plan.count);
    await expectGoodExtract(GOOD_VIDEOS[0], 'bicubic');
  });

  it('latest wins: a new extract cancels the running one', async () => {
    const r = await frames.supersede(url('h264.mp4'), url('vp9.webm'), REWATCH);
    expect(r.older).toMatchObject({ ok: false, kind: 'cancelled' });
    expect(r.newer).toMatchObject({ ok: true });
    if (r.newer.ok) expect(r.newer.codes).toEqual(expected(GOOD_VIDEOS[1]).plan.indices);
  });

  it('no decoded frame is left open, and nothing was garbage-collected unclosed', async () => {
    expect(await frames.openFrames()).toBe(0);
    expect(consoleLines.filter((l) => /garbage collected/i.test(l))).toEqual([]);
  });
});
