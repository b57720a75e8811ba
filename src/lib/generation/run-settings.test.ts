import { describe, expect, it } from 'vitest';
import { REWATCH_FRAME_PIXELS } from '../preprocess/smart-resize.ts';
import { catalogEntryOf, runSettings } from './run-settings.ts';

const BASE = 'http://localhost:5173/index.html';

describe('runSettings', () => {
  it("uses ReWatch-R1's settings for its catalog entry", () => {
    expect(runSettings({ kind: 'url', url: '/models/rewatch-r1-7b/' }, BASE)).toEqual({
      frames: { fps: 2, maxFrames: 192, minPixels: REWATCH_FRAME_PIXELS, maxPixels: REWATCH_FRAME_PIXELS },
      generation: { maxNewTokens: 2048, temperature: 0 },
    });
  });
  it("uses another entry's own budget, matching its folder however the URL is written", () => {
    const tiny = runSettings({ kind: 'url', url: 'http://localhost:5173/models/fixtures/qwen2_5_vl_tiny' }, BASE);
    expect(tiny.frames).toEqual({ fps: 2, maxFrames: 16, minPixels: 24 * 28 * 28, maxPixels: 24 * 28 * 28 });
    expect(tiny.generation.maxNewTokens).toBe(24);
  });
  it('names the catalog entry a source came from', () => {
    expect(catalogEntryOf({ kind: 'url', url: '/models/fixtures/qwen2_5_vl_tiny/' }, BASE)?.id).toBe('qwen2.5-vl-tiny');
    expect(catalogEntryOf({ kind: 'url', url: '/elsewhere/' }, BASE)).toBeUndefined();
  });
  it('takes a folder picked from disk to be ReWatch-R1', () => {
    expect(runSettings({ kind: 'files', name: 'my-model', files: [] }, BASE).frames.maxFrames).toBe(192);
  });
});
