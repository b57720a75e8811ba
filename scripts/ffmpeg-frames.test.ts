/**
 * `npm run ask`'s ffmpeg decoding returns the planned frames: each fixture frame carries its index as a
 * pixel code, read back here after the resize.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import makeVideos, { GOOD_VIDEOS, VIDEO_FIXTURES_DIR } from './fixtures/videos.ts';
import { readFrameCode } from '../tests/support/frame-code.ts';
import { REWATCH_FRAME_PIXELS, smartResize } from '../src/lib/preprocess/smart-resize.ts';
import { planFrames } from '../src/lib/preprocess/video-sampling.ts';
import { planClip } from '../src/lib/preprocess/rewatch-clip.ts';
import { decodeFrameIndices, decodePlannedFrames, probeVideo } from './ffmpeg-frames.ts';

beforeAll(async () => {
  await makeVideos();
});

describe('decodePlannedFrames', () => {
  for (const video of GOOD_VIDEOS) {
    it(`${video.file}: the planned frame indices, upright, at the smart_resize size`, async () => {
      const options = { fps: 2, maxFrames: 192, minPixels: REWATCH_FRAME_PIXELS, maxPixels: REWATCH_FRAME_PIXELS };
      const r = await decodePlannedFrames(`${VIDEO_FIXTURES_DIR}/${video.file}`, options);
      const plan = planFrames({ duration: video.frames / video.fps, videoFps: video.fps, totalFrames: video.frames });
      expect(r.plan.indices).toEqual(plan.indices);
      const [w, h] =
        video.rotation % 180 === 0 ? [video.codedWidth, video.codedHeight] : [video.codedHeight, video.codedWidth];
      const size = smartResize(h, w, options);
      expect([r.width, r.height]).toEqual([size.width, size.height]);
      expect(r.frames.map((f) => readFrameCode(f, r.width, r.height))).toEqual(plan.indices);
    });
  }
});

describe('decodeFrameIndices', () => {
  it("a re-watch clip's planned frames, in order, a repeated frame twice", async () => {
    const file = `${VIDEO_FIXTURES_DIR}/h264.mp4`;
    const probe = probeVideo(file);
    const plan = planClip({ start: 7.5, end: 20 }, probe);
    expect(plan.clamped).toBe(true);
    const size = { width: 112, height: 84 };
    for (const indices of [plan.indices, [40, 40]]) {
      const frames = await decodeFrameIndices(file, probe, indices, size);
      expect(frames.map((f) => readFrameCode(f, size.width, size.height))).toEqual(indices);
    }
  });
});
