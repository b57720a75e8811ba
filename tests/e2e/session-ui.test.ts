/**
 * A person's session in real Chromium: Space pauses and resumes wherever focus is (but types in the question
 * box), the trace list follows "Play trace", timeline tooltips never block a click and the empty timeline
 * seeks, the phone layout keeps the player in view when a chip is tapped, and every question about a video is
 * kept in its list, re-opened with working chips. The example trace of the sample video needs no model; the
 * questions asked at the end use the tiny test model on WASM (as tests/e2e/app-model.test.ts does).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import makeModelFixtures from '../../scripts/fixtures/models.ts';
import { VIDEO_FIXTURES_DIR } from '../../scripts/fixtures/videos.ts';
import { appPages } from '../support/app-pages.ts';
import type { Page } from '../support/browser.ts';
import type { ProbeWindow } from '../support/harness.ts';
import { REPO_ROOT } from '../support/reference.ts';
import { selectEntry, settledStatus, TINY_ID } from '../support/model-panel.ts';

const SAMPLE_VIDEO = join(REPO_ROOT, 'public', 'sample-video.mp4');
const SAMPLE_TRACE = join(REPO_ROOT, 'public', 'sample-trace.json');

/** What these tests put on the page's window. */
interface SessionProbes {
  /** The player's currentTime at each finished seek. */
  __seeks: number[];
}
type SessionWindow = ProbeWindow<SessionProbes>;

/** A box as getBoundingClientRect gives it. */
interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

const app = appPages();
let page: Page;

const video = () => page.locator('[data-testid=player]');
const isPaused = () => video().evaluate((v: HTMLVideoElement) => v.paused);
const seeks = () => page.evaluate(() => (window as SessionWindow).__seeks);
const pauseButton = () => page.locator('[data-testid=pause-trace]');
/** Waits until the player has read the open video's length. */
const playerReady = () =>
  page.waitForFunction(
    () => ((document.querySelector('[data-testid=player]') as HTMLVideoElement | null)?.duration ?? 0) > 0,
  );

/** Starts recording every finished seek of the player. */
async function recordSeeks() {
  await page.evaluate(() => {
    const v = document.querySelector('video')!;
    const w = window as SessionWindow;
    w.__seeks = [];
    v.addEventListener('seeked', () => w.__seeks.push(v.currentTime));
  });
}

/** The sample video with the hand-written example trace (public/), its video held still. */
async function openExample() {
  await page.click('text=see an example');
  await page.waitForSelector('[data-testid=trace-step][data-kind=answer]');
  await playerReady();
  await page.evaluate(() => document.querySelector('video')!.pause());
  await recordSeeks();
}

const stepsOnScreen = () =>
  page.$$eval('[data-testid=trace-step]', (els) => els.map((el) => el.textContent!.replace(/\s+/g, ' ').trim()));
const historyQuestions = () =>
  page.$$eval('[data-testid=history-item] .question', (els) => els.map((el) => el.textContent!.trim()));
const currentHistoryItem = () =>
  page.$$eval('[data-testid=history-item]', (els) => els.findIndex((el) => el.getAttribute('aria-current') === 'true'));

/** Seconds within 0.2 s (a playing video moves on a little before 'seeked' is handled). */
function expectNear(actual: number, expected: number) {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThan(0.2);
}

describe('without a model', () => {
  beforeEach(async (ctx) => {
    page = await app.open(ctx);
  });

  it('Space pauses and resumes "Play trace" with focus on each control, and types in the question box', async () => {
    await openExample();
    const downloads: string[] = [];
    page.on('download', (d) => downloads.push(d.suggestedFilename()));
    const question = await page.inputValue('[data-testid=question]');
    const controls: [string, string][] = [
      ['Play trace', '[data-testid=play-trace]'],
      ['Previous', '[aria-keyshortcuts=ArrowLeft]'],
      ['Pause', '[data-testid=pause-trace]'],
      ['Next', '[aria-keyshortcuts=ArrowRight]'],
      ['Stop', '[aria-label="Stop trace playback"]'],
      ['a timestamp chip', '[data-testid=timestamp] >> nth=0'],
      ['a timeline segment', '[data-testid=timeline-segment] >> nth=0'],
      ['the timeline', '[data-testid=timeline-seek]'],
      ['the video', '[data-testid=player]'],
      ['Export JSON', '[data-testid=export-json]'],
      ['a history entry', '[data-testid=history-item] button >> nth=0'],
      ['an example question', '[data-testid=example-question] >> nth=0'],
    ];
    for (const [name, selector] of controls) {
      // Started without moving focus (a click would): the walk is playing, whatever the last control did.
      if (await pauseButton().isDisabled()) {
        await page.evaluate(() => document.querySelector<HTMLButtonElement>('[data-testid=play-trace]')!.click());
      }
      if (name === 'Previous' && (await page.locator(selector).isDisabled())) await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => !document.querySelector('video')!.paused);
      await page.locator(selector).focus();
      expect(await page.locator(selector).evaluate((el) => el === document.activeElement), name).toBe(true);
      const seeksBefore = (await seeks()).length;
      const segment = await page.textContent('.controls .hint');

      await page.keyboard.press('Space');
      await page.waitForFunction(() => document.querySelector('video')!.paused);
      expect(await pauseButton().textContent(), name).toContain('Resume');
      // The focused control was not pressed: no restart, no step, no stop, no seek.
      expect(await pauseButton().isEnabled(), name).toBe(true);
      expect(await page.textContent('.controls .hint'), name).toBe(segment);
      expect((await seeks()).length, name).toBe(seeksBefore);

      await page.keyboard.press('Space');
      await page.waitForFunction(() => !document.querySelector('video')!.paused);
      expect(await pauseButton().textContent(), name).toContain('Pause');
    }
    expect(downloads).toEqual([]);
    expect(await page.inputValue('[data-testid=question]')).toBe(question);

    // In the question box Space is a space: the trace keeps playing.
    await page.focus('[data-testid=question]');
    await page.keyboard.press('End');
    await page.keyboard.press('Space');
    expect(await page.inputValue('[data-testid=question]')).toBe(`${question} `);
    expect(await isPaused()).toBe(false);
    expect(await pauseButton().textContent()).toContain('Pause');
  });

  it('Space plays and pauses the video itself when no trace is playing', async () => {
    await page.click('text=Try the sample video');
    await playerReady();
    await page.evaluate(() => document.querySelector('video')!.pause());
    await page.locator('[data-testid=video-input]').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => !document.querySelector('video')!.paused);
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('video')!.paused);
  });

  it('keeps the playing step in view of the trace list as "Play trace" moves on', async () => {
    // Short enough that the later steps start below the fold.
    await page.setViewportSize({ width: 1280, height: 620 });
    await openExample();
    await page.evaluate(() => window.scrollTo(0, 0));
    const segments = await page.locator('[data-testid=timeline-segment]').count();
    const fold = await page.evaluate(() => {
      const steps = [...document.querySelectorAll('[data-testid=trace-step]')];
      return steps.filter((s) => s.getBoundingClientRect().top > window.innerHeight).length;
    });
    expect(fold).toBeGreaterThan(0);

    await page.click('[data-testid=play-trace]');
    for (let i = 0; i < segments; i++) {
      if (i > 0) await page.keyboard.press('ArrowRight');
      await page.waitForFunction(
        (n) => document.querySelector('.controls .hint')?.textContent?.includes(`Segment ${n} of`),
        i + 1,
      );
      // In view: the current step's box inside the part of the list the window shows.
      const inView = await page.waitForFunction(() => {
        const step = document.querySelector('[data-testid=trace-step][aria-current=step]');
        const list = document.querySelector('[data-testid=trace]');
        if (!step || !list) return false;
        const s = step.getBoundingClientRect();
        const l = list.getBoundingClientRect();
        const top = Math.max(l.top, 0);
        const bottom = Math.min(l.bottom, window.innerHeight);
        return s.top >= top - 1 && s.bottom <= bottom + 1 && s.left >= l.left - 1 && s.right <= l.right + 1;
      });
      expect(await inView.jsonValue(), `segment ${i + 1}`).toBe(true);
    }
  });

  it("shows a segment's tooltip above the whole timeline, where it blocks no click", async () => {
    await openExample();
    // The example's second segment (00:05-00:10) overlaps the first, so it lies on the lower lane.
    const lower = page.locator('[data-testid=timeline-segment]').nth(1);
    await lower.hover();
    const tip = lower.locator('.tip');
    await tip.waitFor({ state: 'visible' });
    const tipBox = await tip.evaluate((el) => el.getBoundingClientRect().toJSON() as Box);
    const trackBox = await page.locator('.track').evaluate((el) => el.getBoundingClientRect().toJSON() as Box);
    expect(tipBox.bottom).toBeLessThanOrEqual(trackBox.top);
    // What a click on the tooltip hits: whatever is under it, never the tooltip or its segment.
    const hit = await page.evaluate(
      ([x, y]) => {
        const el = document.elementFromPoint(x, y);
        return { inTip: !!el?.closest('.tip'), inSegment: !!el?.closest('[data-testid=timeline-segment]') };
      },
      [(tipBox.left + tipBox.right) / 2, (tipBox.top + tipBox.bottom) / 2],
    );
    expect(hit).toEqual({ inTip: false, inSegment: false });
    // The upper lane's segment next to it takes its click, focused tooltip or not.
    await lower.focus();
    await page.locator('[data-testid=timeline-segment]').nth(0).click();
    await page.waitForFunction(() => (window as SessionWindow).__seeks.length === 1);
    expectNear((await seeks())[0], 4);
  });

  it('seeks where the empty timeline is clicked, and by keys on it', async () => {
    await openExample();
    const track = await page
      .locator('[data-testid=timeline-seek]')
      .evaluate((el) => el.getBoundingClientRect().toJSON() as Box);
    // 75% of 20 s: past every cited segment of the example.
    const x = track.left + 0.75 * (track.right - track.left);
    expect(
      await page.evaluate(
        ([px, py]) => document.elementFromPoint(px, py)?.getAttribute('data-testid'),
        [x, (track.top + track.bottom) / 2],
      ),
    ).toBe('timeline-seek');
    await page.mouse.click(x, (track.top + track.bottom) / 2);
    await page.waitForFunction(() => (window as SessionWindow).__seeks.length === 1);
    expectNear((await seeks())[0], 15);
    await page.evaluate(() => document.querySelector('video')!.pause());
    await page.focus('[data-testid=timeline-seek]');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => (window as SessionWindow).__seeks.length === 2);
    expectNear((await seeks())[1], 0);
  });

  it('at phone size with touch, keeps the player in view when a chip is tapped, with a small caption and no key hints', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
    expect(await page.evaluate(() => matchMedia('(hover: none) and (pointer: coarse)').matches)).toBe(true);
    await openExample();
    const chips = page.locator('[data-testid=timestamp]');
    const last = chips.nth((await chips.count()) - 1);
    await last.scrollIntoViewIfNeeded();
    // The chip is far below the player's own place on the page.
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(400);
    await last.click();
    await page.waitForFunction(() => (window as SessionWindow).__seeks.length === 1);
    const playerBox = await video().evaluate((el) => el.getBoundingClientRect().toJSON() as Box);
    expect(playerBox.top).toBeGreaterThanOrEqual(0);
    expect(playerBox.bottom).toBeLessThanOrEqual(844);
    expect(playerBox.right).toBeLessThanOrEqual(390);

    await page.evaluate(() => document.querySelector<HTMLButtonElement>('[data-testid=play-trace]')!.click());
    const caption = page.locator('[data-testid=caption]');
    await caption.waitFor();
    const captionBox = await caption.evaluate((el) => el.getBoundingClientRect().toJSON() as Box);
    const videoBox = await video().evaluate((el) => el.getBoundingClientRect().toJSON() as Box);
    // Under the video, not over it, and two lines at most.
    expect(captionBox.top).toBeGreaterThanOrEqual(videoBox.bottom - 1);
    expect(captionBox.bottom - captionBox.top).toBeLessThan(0.5 * (videoBox.bottom - videoBox.top));
    expect(await page.textContent('.controls .hint')).toMatch(/^Segment 1 of \d+/);
    expect(await page.isVisible('.controls kbd')).toBe(false);
  });

  it('keeps every trace of a video in its list; re-opening an older one restores it with working chips', async () => {
    // Picked from disk: the same file picked again later is the same video.
    await page.setInputFiles('[data-testid=video-input]', SAMPLE_VIDEO);
    await playerReady();
    await page.evaluate(() => document.querySelector('video')!.pause());
    await recordSeeks();
    await page.setInputFiles('[data-testid=import-trace]', SAMPLE_TRACE);
    await page.waitForSelector('[data-testid=trace-step][data-kind=answer]');
    const example = await stepsOnScreen();
    expect(await historyQuestions()).toHaveLength(1);

    // A second trace about the same video joins the list, newest first, and does not replace the first.
    await page.setInputFiles('[data-testid=import-trace]', {
      name: 'second.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(
        'Look again. <action>re-watch 00:16-00:18</action><observation>It lands.</observation><answer>D</answer>',
      ),
    });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-step]').length === 4);
    const second = await stepsOnScreen();
    const questions = await historyQuestions();
    expect(questions).toHaveLength(2);
    expect(questions[1]).toContain('How many times does the yellow square bounce');
    expect(await currentHistoryItem()).toBe(0);

    const older = page.locator('[data-testid=history-item]').nth(1);
    await older.locator('button').first().click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-step]').length > 4);
    expect(await stepsOnScreen()).toEqual(example);
    expect(await currentHistoryItem()).toBe(1);
    const chip = page.locator('[data-testid=timestamp]').nth(2);
    await chip.click();
    await page.waitForFunction(() => (window as SessionWindow).__seeks.length === 1);
    expectNear((await seeks())[0], Number(await chip.getAttribute('data-start')));

    // Another video shows its own (empty) list; the first one opened again has both traces back.
    await page.setInputFiles('[data-testid=video-input]', join(VIDEO_FIXTURES_DIR, 'h264.mp4'));
    await page.waitForFunction(() => document.querySelector('[data-testid=drop-zone]')?.textContent?.includes('h264'));
    expect(await page.locator('[data-testid=history-item]').count()).toBe(0);
    expect(await page.locator('[data-testid=example-question]').count()).toBe(0);
    await page.setInputFiles('[data-testid=video-input]', SAMPLE_VIDEO);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=history-item]').length === 2);
    expect(await currentHistoryItem()).toBe(1);

    // Each entry plays and exports from the list.
    await playerReady();
    await page.locator('[data-testid=history-item]').nth(0).getByTitle('Play this trace').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid=pause-trace]')!.hasAttribute('disabled'));
    expect(await stepsOnScreen()).toEqual(second);
    expect(await currentHistoryItem()).toBe(0);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=history-item]').nth(1).getByTitle('Export this trace (JSON)').click(),
    ]);
    const record = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(record.question).toContain('How many times does the yellow square bounce');
    expect(record.raw).toBe(JSON.parse(readFileSync(SAMPLE_TRACE, 'utf8')).raw);
    expect(await stepsOnScreen()).toEqual(example);
  });
});

describe('questions asked with the tiny model', () => {
  const idle = () =>
    page.waitForFunction(() => document.querySelector('[data-testid=stop]')!.hasAttribute('disabled'), null, {
      timeout: 240_000,
    });

  beforeAll(async () => {
    await makeModelFixtures();
    page = await app.newPage();
    // WASM, as in app-model.test.ts: headless Chromium's WebGPU is SwiftShader, far slower on a small CPU.
    await page.addInitScript(() => delete (Navigator.prototype as { gpu?: unknown }).gpu);
    await page.goto(app.indexUrl);
    await page.click('summary');
    await selectEntry(page, TINY_ID);
    await page.click(`[data-testid=model-entry][data-id="${TINY_ID}"] [data-testid=model-load]`);
    expect(await settledStatus(page)).toMatch(/^Ready/);
    await page.click('summary');
  }, 600_000);

  it('keeps both questions asked about a video; re-opening the older one restores its trace', async (ctx) => {
    app.printLogOnFailure(ctx);
    await openExample();
    const examples = page.locator('[data-testid=example-question]');
    expect(await examples.count()).toBeGreaterThan(1);
    const asked: { question: string; steps: string[]; chips: (string | null)[] }[] = [];
    for (const i of [0, 1]) {
      // A suggestion fills the question box.
      await examples.nth(i).click();
      const question = await page.inputValue('[data-testid=question]');
      expect(question).toBe(await examples.nth(i).getAttribute('title'));
      await page.click('[data-testid=ask]');
      // The run's trace joins the list when it ends (after the example's entry and the runs before it).
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=history-item]').length === n, i + 2, {
        timeout: 240_000,
      });
      await idle();
      expect(await page.isVisible('[data-testid=error]')).toBe(false);
      const chips = await page.$$eval('[data-testid=timestamp]', (els) =>
        els.map((el) => el.getAttribute('data-start')),
      );
      asked.push({ question, steps: await stepsOnScreen(), chips });
    }
    // Newest first: the second question, the first, then the example imported before them.
    const questions = await historyQuestions();
    expect(questions).toHaveLength(3);
    expect(questions[0]).toBe(asked[1].question);
    expect(questions[1]).toBe(asked[0].question);
    expect(questions[2]).toContain('How many times does the yellow square bounce');
    expect(await currentHistoryItem()).toBe(0);

    await page.locator('[data-testid=history-item]').nth(1).locator('button').first().click();
    await page.waitForFunction(() => document.querySelector('[data-testid=history-item][aria-current=true]'));
    expect(await currentHistoryItem()).toBe(1);
    expect(await stepsOnScreen()).toEqual(asked[0].steps);
    expect(await page.textContent('.trace .question')).toContain(asked[0].question);
    expect(await page.isVisible('[data-testid=stats]')).toBe(true);
    expect(
      await page.$$eval('[data-testid=timestamp]', (els) => els.map((el) => el.getAttribute('data-start'))),
    ).toEqual(asked[0].chips);

    // The oldest (the example, which cites moments) comes back with chips that seek.
    await page.locator('[data-testid=history-item]').nth(2).locator('button').first().click();
    await page.waitForSelector('[data-testid=trace-step][data-kind=answer]');
    const chip = page.locator('[data-testid=timestamp]').nth(1);
    const before = (await seeks()).length;
    await chip.click();
    await page.waitForFunction((n) => (window as SessionWindow).__seeks.length > n, before);
    expectNear((await seeks()).at(-1)!, Number(await chip.getAttribute('data-start')));
  });
});
