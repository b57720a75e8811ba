/**
 * The app with a model, in real Chromium: load the tiny test model from the model drawer, drop an ffmpeg-made
 * video, ask, and watch the trace stream in; then the run-time bad inputs (a second question while one runs,
 * Stop, a new video mid-run) leave a clear message and lose nothing.
 *
 * WebGPU is hidden from the page, so the model panel picks ORT's WASM backend: headless Chromium's WebGPU is
 * SwiftShader, which takes minutes per answer on a small shared CPU where WASM takes seconds. The UI under test
 * is the same either way (the WebGPU path itself is covered by the inference worker's tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures from '../../scripts/fixtures/models.ts';
import makeVideos, { VIDEO_FIXTURES_URL } from '../../scripts/fixtures/videos.ts';
import { openTestPage, type Page, type TestPage } from '../support/browser.ts';
import type { ProbeWindow } from '../support/harness.ts';

/** What the page showed while a run went on (recorded by the first test). */
interface SeenProbe {
  __seen: { progress: boolean; traces: string[] };
}

let harness: TestPage;
let page: Page;
let log: string[];

const TINY = 'qwen2.5-vl-tiny';

/** Drops a video served by the dev server onto the drop zone, as a person would. */
async function dropVideo(url: string, name: string) {
  const dataTransfer = await page.evaluateHandle(
    async ([u, n]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([await (await fetch(u)).blob()], n, { type: 'video/mp4' }));
      return dt;
    },
    [url, name] as const,
  );
  await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
  await page.waitForFunction((n) => document.querySelector('[data-testid=drop-zone]')?.textContent?.includes(n), name);
}

const stepsOnScreen = () =>
  page.$$eval('[data-testid=trace-step]', (els) => els.map((el) => el.textContent!.replace(/\s+/g, ' ').trim()));
const idle = () => page.waitForFunction(() => document.querySelector('[data-testid=stop]')!.hasAttribute('disabled'));

/**
 * Clicks Ask and runs `then` in the page one task later: the page has rendered the running state, and the run
 * is still reading frames (that needs several round trips to the frames worker), so `then` lands mid-run.
 */
async function askThen(then: string) {
  await page.evaluate(async (code) => {
    document.querySelector<HTMLButtonElement>('[data-testid=ask]')!.click();
    await new Promise((resolve) => setTimeout(resolve));
    if (document.querySelector<HTMLButtonElement>('[data-testid=stop]')!.disabled)
      throw new Error('the run did not start');
    await new Function(`return (async () => { ${code} })()`)();
  }, then);
}

beforeAll(async () => {
  await makeModelFixtures();
  await makeVideos();
  harness = await openTestPage();
  ({ page, log: log } = harness);
  await page.addInitScript(() => delete (Navigator.prototype as { gpu?: unknown }).gpu);
  await page.goto(`${harness.url}/index.html`);
  await page.click('summary');
  await page.waitForSelector(`[data-testid=model-entry][data-id="${TINY}"][data-availability=on-server]`);
  await page.click(`[data-testid=model-entry][data-id="${TINY}"] input`);
  await page.click(`[data-testid=model-entry][data-id="${TINY}"] [data-testid=model-load]`);
  const status = '[data-testid=model-status][data-state=ready], [data-testid=model-status][data-state=error]';
  await page.waitForSelector(status, { state: 'attached', timeout: 240_000 });
  expect(await page.textContent('[data-testid=model-status]')).toMatch(/^Ready/);
  await page.click('summary');
}, 600_000);

afterAll(async () => {
  await harness?.close();
});

describe('asking the tiny model', () => {
  it('drops an ffmpeg-made video, asks, shows frame progress and a streamed trace with stats', async (ctx) => {
    ctx.onTestFailed(() => console.log(log.join('\n')));
    await dropVideo(`${VIDEO_FIXTURES_URL}/h264.mp4`, 'h264.mp4');
    await page.fill('[data-testid=question]', 'What changes between 00:02 and 00:05? A. colour B. position');
    // Record what the page shows while it runs: the frames progress bar, and each new text of the trace.
    await page.evaluate(() => {
      const seen: SeenProbe['__seen'] = { progress: false, traces: [] };
      (window as ProbeWindow<SeenProbe>).__seen = seen;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid=frames-progress]')) seen.progress = true;
        const text = document.querySelector('[data-testid=trace]')?.textContent ?? '';
        if (text && text !== seen.traces.at(-1)) seen.traces.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await page.click('[data-testid=ask]');
    // Stats appear when a run ends (this page has had none before).
    await page.waitForSelector('[data-testid=stats]', { timeout: 240_000 });
    const seen = await page.evaluate(() => (window as ProbeWindow<SeenProbe>).__seen);
    expect(seen.progress).toBe(true);
    // Streamed: the trace grew through several texts, each extending the one before.
    expect(seen.traces.length).toBeGreaterThan(2);
    expect(seen.traces.at(-1)!.length).toBeGreaterThan(seen.traces[0].length);
    expect((await stepsOnScreen()).length).toBeGreaterThan(0);
    expect(await page.isVisible('[data-testid=error]')).toBe(false);
    const stats = await page.textContent('[data-testid=stats]');
    expect(stats).toMatch(/Frames\s*\d+/);
    expect(stats).toMatch(/Visual tokens/);
    expect(stats).toMatch(/tok\/s/);
    expect(stats).toMatch(/Generated\s*\d+ tokens/);
    // The tiny random model never writes <answer>: the page says why the trace ends there.
    expect(await page.textContent('[data-testid=trace-note]')).toMatch(
      /^No answer: the model (used all \d+ new tokens|ended its reply)/,
    );
    expect(await page.isEnabled('[data-testid=export-json]')).toBe(true);
  });

  it('refuses a second question while one runs, with a message, and finishes the first', async () => {
    await askThen(`
      const q = document.querySelector('[data-testid=question]');
      if (!document.querySelector('[data-testid=ask]').disabled) throw new Error('Ask is enabled during a run');
      q.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
    `);
    await page.waitForSelector('[data-testid=error]');
    expect(await page.textContent('[data-testid=error]')).toContain('A question is already running');
    // The first run goes on to the end.
    await idle();
    expect(await page.isVisible('[data-testid=stats]')).toBe(true);
    expect((await stepsOnScreen()).length).toBeGreaterThan(0);
    await page.click('[data-testid=error] button');
  });

  it('Stop while frames are read ends the run and keeps the previous trace', async () => {
    const before = await stepsOnScreen();
    await askThen(`document.querySelector('[data-testid=stop]').click();`);
    await idle();
    expect(await stepsOnScreen()).toEqual(before);
    expect(await page.isVisible('[data-testid=error]')).toBe(false);
    expect(await page.isEnabled('[data-testid=ask]')).toBe(true);
  });

  it('a new video mid-run cancels the run, says so, keeps the trace, and the next question works', async () => {
    const before = await stepsOnScreen();
    await askThen(`
      const dt = new DataTransfer();
      dt.items.add(new File([await (await fetch('${VIDEO_FIXTURES_URL}/vp9.webm')).blob()], 'vp9.webm', { type: 'video/webm' }));
      document.querySelector('[data-testid=drop-zone]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    `);
    await idle();
    expect(await page.textContent('[data-testid=notice]')).toContain('was cancelled because a new video was opened');
    expect(await page.textContent('[data-testid=drop-zone]')).toContain('vp9.webm');
    expect(await stepsOnScreen()).toEqual(before);

    await askThen('');
    await idle();
    expect(await page.isVisible('[data-testid=error]')).toBe(false);
    expect(await page.textContent('[data-testid=trace]')).not.toBe('');
  });
});
