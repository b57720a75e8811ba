/**
 * The frames worker in real Chromium (WebCodecs): every good fixture gives the planned frames (checked by the
 * frame index each frame carries as a pixel code), upright and at the smart_resize size; every bad input gives
 * its error kind and the same worker then still works; cancel and "latest wins" work; no frame stays open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeVideos, {
  BAD_VIDEOS,
  GOOD_VIDEOS,
  LONG_VIDEO,
  UNPLAYABLE_VIDEO,
  VFR_VIDEO,
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
    'unsupported-codec': /cannot decode (HEVC \(H\.265\)|Apple ProRes) video/i,
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

describe('frames worker: harder real files', () => {
  it('MPEG-TS (a container the player does not play): the planned frames', async () => {
    await expectGoodExtract(UNPLAYABLE_VIDEO, 'bicubic');
  });

  it('variable frame rate: each planned time gets the frame shown at that time', async () => {
    const r = await frames.extract(url(VFR_VIDEO.file), REWATCH);
    if (!r.ok) throw new Error(`${r.kind}: ${r.message}`);
    expect(r.info.duration).toBeCloseTo(VFR_VIDEO.duration, 6);
    const shownAt = (t: number) => {
      let i = 0;
      while (i + 1 < VFR_VIDEO.frames && VFR_VIDEO.frameTime(i + 1) <= t + 1e-6) i++;
      return i;
    };
    const wanted = r.plannedTimes.map(shownAt);
    // The plan reaches into the 10 fps part, where frames are 0.1 s apart and several times share a frame.
    expect(wanted.filter((i) => i >= 90).length).toBeGreaterThan(2);
    expect(r.codes).toEqual(wanted);
    r.timestamps.forEach((t, i) => expect(t).toBeCloseTo(VFR_VIDEO.frameTime(wanted[i]), 3));
  });

  it('2-hour 1080p file: the 192 planned frames, by content (canvas resize: 1080p frames are slow in bicubic)', async () => {
    await expectGoodExtract(LONG_VIDEO, 'canvas');
  });
});

describe('frames worker: inspect (what the page is told on opening a file)', () => {
  it('a good file: readable to its end, decodes at both ends', async () => {
    for (const video of [GOOD_VIDEOS[0], UNPLAYABLE_VIDEO, LONG_VIDEO]) {
      const facts = await frames.inspect(url(video.file));
      expect(facts, video.file).toMatchObject({
        tracks: expect.any(Number),
        video: { codec: video.codec, decoderSupported: true, decodes: { first: true, last: true } },
      });
      expect(facts.video!.readableUntil, video.file).toBeCloseTo(video.frames / video.fps, 6);
      expect(facts.video!.info?.duration, video.file).toBeCloseTo(video.frames / video.fps, 6);
    }
  });

  it('bad files: the facts each verdict is made from', async () => {
    expect(await frames.inspect(url('empty.mp4'))).toMatchObject({ bytes: 0, container: null, video: null });
    expect(await frames.inspect(url('not-a-video.mp4'))).toMatchObject({ container: null, video: null });
    expect(await frames.inspect(url('audio-only.mp4'))).toMatchObject({ container: 'MP4', audio: true, video: null });
    expect(await frames.inspect(url('truncated-no-index.mp4'))).toMatchObject({ container: 'MP4', tracks: 0 });
    expect(await frames.inspect(url('hevc.mp4'))).toMatchObject({
      video: { codec: 'hevc', decoderSupported: false, decodes: null },
    });
    const corrupt = await frames.inspect(url('corrupt.mp4'));
    expect(corrupt).toMatchObject({ video: { decoderSupported: true, decodes: { first: false } } });
    expect(corrupt.video?.readableUntil).toBeCloseTo(2, 6);
    // A WebM cut before its first whole cluster: it states 10 s and yields no frame.
    const webm = await frames.inspect(url('truncated.webm'));
    expect(webm).toMatchObject({ container: 'WebM', video: { codec: 'vp9', info: null } });
    expect(webm.video?.declaredDuration).toBeCloseTo(10, 3);
    // 40% of the bytes of a 10 s file whose index is at the front: about 4 s of its frames are there.
    const cut = await frames.inspect(url('truncated.mp4'));
    expect(cut.video?.info?.duration).toBeCloseTo(10, 6);
    expect(cut.video?.readableUntil).toBeGreaterThan(2);
    expect(cut.video?.readableUntil).toBeLessThan(5);
    expect(cut.video?.decodes).toEqual({ first: true, last: true });
  });
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
