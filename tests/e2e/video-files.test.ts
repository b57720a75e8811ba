/**
 * Files checked on drop, in the app in real Chromium with the tiny model loaded (WASM): each bad file gets
 * one message in the page's error region naming its cause, with Ask off and the reason beside it, and no
 * text of the browser's media internals anywhere on the page; a good video dropped next clears the message
 * and turns Ask on. A file the player cannot show but the model can read says both, and Ask stays on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures from '../../scripts/fixtures/models.ts';
import makeVideos, { UNPLAYABLE_VIDEO, VIDEO_FIXTURES_URL } from '../../scripts/fixtures/videos.ts';
import { openTestPage, type Page, type TestPage } from '../support/browser.ts';
import { settledStatus, TINY_ID } from '../support/model-panel.ts';

let harness: TestPage;
let page: Page;

const MIME: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  m2ts: 'video/mp2t',
  webm: 'video/webm',
};

/** Drops a fixture onto the drop zone as a person would (a File in a DataTransfer). */
async function drop(file: string) {
  const type = MIME[file.split('.').pop()!];
  const dataTransfer = await page.evaluateHandle(
    async ([url, name, mime]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([await (await fetch(url)).blob()], name, { type: mime }));
      return dt;
    },
    [`${VIDEO_FIXTURES_URL}/${file}`, file, type] as const,
  );
  await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
  await page.waitForFunction((n) => document.querySelector('[data-testid=drop-zone]')?.textContent?.includes(n), file);
}

const errorText = () => page.locator('[data-testid=error]').innerText();
const hint = () => page.locator('#question-hint').innerText();
const askEnabled = () => page.locator('[data-testid=ask]').isEnabled();

/** Waits until the page's error region holds a message about `file`. */
async function messageAbout(file: string): Promise<string> {
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=error]')?.textContent?.includes(`"${n}"`),
    file,
    { timeout: 60_000 },
  );
  return errorText();
}

/** The good video: the message goes, Ask comes on. */
async function goodVideoLoads() {
  await drop('h264.mp4');
  await page.waitForFunction(() => (document.querySelector('[data-testid=player]') as HTMLVideoElement).duration > 0);
  await page.waitForSelector('[data-testid=ask]:not([disabled])', { timeout: 60_000 });
  expect(await page.isVisible('[data-testid=error]')).toBe(false);
  expect(await hint()).toBe('Ctrl+Enter asks.');
}

beforeAll(async () => {
  await makeModelFixtures();
  await makeVideos();
  harness = await openTestPage();
  page = harness.page;
  // The tiny model on WASM: what is checked here is the page, not the GPU.
  await page.addInitScript(() => delete (Navigator.prototype as { gpu?: unknown }).gpu);
  await page.goto(`${harness.url}/index.html`);
  await page.click('summary');
  const entry = `[data-testid=model-entry][data-id="${TINY_ID}"]`;
  await page.waitForSelector(`${entry}[data-availability=on-server]`);
  await page.click(`${entry} input`);
  await page.click(`${entry} [data-testid=model-load]`);
  expect(await settledStatus(page)).toMatch(/^Ready/);
  await page.click('summary');
  await page.fill('[data-testid=question]', 'What is shown?');
}, 600_000);

afterAll(async () => {
  await harness?.close();
});

describe('a bad file says what is wrong the moment it is opened', () => {
  // File, the cause words its message must hold, the reason beside Ask.
  const cases: [string, RegExp, string][] = [
    [
      'not-a-video.mp4',
      /"not-a-video.mp4" is not a video: its contents are not in any video format/,
      'it is not a video',
    ],
    ['empty.mp4', /"empty.mp4" is empty \(0 bytes\)/, 'it is empty'],
    ['truncated.mp4', /"truncated.mp4" is truncated: only 00:0\d(\.\d)? of its 00:10 can be read/, 'it is truncated'],
    ['truncated-no-index.mp4', /is truncated: it ends before the index .* \(readable: 00:00\)/, 'it is truncated'],
    [
      'truncated.webm',
      /"truncated.webm" is truncated or damaged: none of its 00:10 of video can be read/,
      'it is truncated or damaged',
    ],
    [
      'hevc.mp4',
      /"hevc.mp4" uses the HEVC \(H.265\) codec, which this browser cannot decode/,
      'this browser cannot decode HEVC (H.265)',
    ],
    [
      'prores.mov',
      /uses the Apple ProRes codec, which this browser cannot decode/,
      'this browser cannot decode Apple ProRes',
    ],
    ['audio-only.mp4', /"audio-only.mp4" is audio only: it has sound but no video track/, 'it is audio only'],
    ['corrupt.mp4', /"corrupt.mp4" is damaged: no picture in it can be decoded/, 'it is damaged'],
  ];
  for (const [file, cause, reason] of cases) {
    it(`${file}: its cause in the error region, Ask off with the reason; then a good video loads`, async () => {
      await drop(file);
      expect(await messageAbout(file)).toMatch(cause);
      expect(await askEnabled()).toBe(false);
      expect(await hint()).toBe(`Cannot ask about this file: ${reason}.`);
      // The browser's own media error text stays out of the page.
      expect(await page.locator('body').innerText()).not.toMatch(/PipelineStatus|FFmpeg|DEMUXER|MEDIA_ELEMENT_ERROR/);
      await goodVideoLoads();
    });
  }
});

describe('a file the player cannot show but the model can read', () => {
  it(`${UNPLAYABLE_VIDEO.file}: says questions work and the player cannot show it; Ask stays on`, async () => {
    await drop(UNPLAYABLE_VIDEO.file);
    expect(await messageAbout(UNPLAYABLE_VIDEO.file)).toMatch(
      /^Questions work, but the player cannot show "h264.m2ts": this browser does not play H.264 video in the MPEG Transport Stream format/,
    );
    await page.waitForSelector('[data-testid=ask]:not([disabled])');
    expect(await hint()).toBe('Ctrl+Enter asks.');
    expect(await page.locator('body').innerText()).not.toMatch(/PipelineStatus|FFmpeg|DEMUXER|MEDIA_ELEMENT_ERROR/);
    await goodVideoLoads();
  });
});
