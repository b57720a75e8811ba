/**
 * The app without a model, in real Chromium: an imported trace over the (ffmpeg-made) sample video drives the
 * player through chips, the timeline and "Play trace"; export/import round-trips; model text stays text; bad
 * files get a clear message and change nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { appPages } from '../support/app-pages.ts';
import type { Page } from '../support/browser.ts';
import type { ProbeWindow } from '../support/harness.ts';
import { REPO_ROOT } from '../support/reference.ts';
import { VIDEO_FIXTURES_DIR } from '../../scripts/fixtures/videos.ts';

const VIDEO = join(REPO_ROOT, 'public', 'sample-video.mp4');
/** The sample video is 20 s; every cited range below is inside it except the last point. */
const RAW =
  'The question is about the squares. <action>re-watch 00:01-00:02 to follow the red square</action>' +
  '<observation>The red square moves right.</observation> Next, the crossing. ' +
  '<action>check [00:11, 00:12]</action><observation>Two squares cross at 00:11-00:12; ' +
  'also <img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script>.</observation>' +
  '<action>the landing 17.5s-18.5s</action><observation>The cyan square lands.</observation>' +
  ' And 00:45 is past the end. <answer>(C) it lands</answer>';
/** Starts of the cited ranges in citing order (the observation repeating 00:11-00:12 adds nothing). */
const PLAYED_STARTS = [1, 11, 17.5];

/** What these tests put on the page's window. */
interface AppProbes {
  /** The player's currentTime at each finished seek (recordSeeks). */
  __seeks: number[];
  /** Node's collector of captions (page.exposeFunction), and the last caption passed to it. */
  __caption(text: string): Promise<void>;
  __lastCaption?: string;
  /** Set only if markup of the trace ran (it must not). */
  __xss?: number;
}
type AppWindow = ProbeWindow<AppProbes>;

const app = appPages();
let page: Page;

/** Files for setInputFiles. */
const textFile = (name: string, text: string, mimeType = 'text/plain') => ({
  name,
  mimeType,
  buffer: Buffer.from(text),
});
const videoFile = () => ({ name: 'sample-video.mp4', mimeType: 'video/mp4', buffer: readFileSync(VIDEO) });

async function stepsOnScreen(): Promise<[string | null, string][]> {
  return page.$$eval('[data-testid=trace-step]', (els) =>
    els.map((el) => [el.getAttribute('data-kind'), el.textContent!.replace(/\s+/g, ' ').trim()]),
  );
}

/** Records every finished seek of the player (its currentTime when 'seeked' fires). */
async function recordSeeks() {
  await page.evaluate(() => {
    const video = document.querySelector('video')!;
    const w = window as AppWindow;
    w.__seeks = [];
    video.addEventListener('seeked', () => w.__seeks.push(video.currentTime));
  });
}
const seeks = () => page.evaluate(() => (window as AppWindow).__seeks);

/** Seek times match when within 0.1 s: a playing video has moved on a little by the time 'seeked' is handled. */
function expectTimes(actual: number[], expected: number[]) {
  expect(actual, `${actual} vs ${expected}`).toHaveLength(expected.length);
  actual.forEach((t, i) => expect(Math.abs(t - expected[i]), `${actual} vs ${expected}`).toBeLessThan(0.1));
}

/** Waits until the player is on the page (the video may be checked first) and has read the video's length. */
const playerReady = () =>
  page.waitForFunction(
    () => ((document.querySelector('[data-testid=player]') as HTMLVideoElement | null)?.duration ?? 0) > 0,
  );

async function openTraceAndVideo(raw = RAW) {
  await page.setInputFiles('[data-testid=import-trace]', [textFile('output.txt', raw), videoFile()]);
  await playerReady();
  // Autoplay is not part of these checks: hold the video still.
  await page.evaluate(() => document.querySelector('video')!.pause());
  await recordSeeks();
}

beforeEach(async (ctx) => {
  page = await app.open(ctx);
});

describe('an imported trace drives the player', () => {
  it('parses the trace into steps, chips and a highlighted answer, flagging a time past the end', async () => {
    await openTraceAndVideo();
    const kinds = (await stepsOnScreen()).map(([kind]) => kind);
    expect(kinds).toEqual([
      'reasoning',
      'action',
      'observation',
      'reasoning',
      'action',
      'observation',
      'action',
      'observation',
      'reasoning',
      'answer',
    ]);
    const chips = await page.$$eval('[data-testid=timestamp]', (els) =>
      els.map((el) => [el.getAttribute('data-start'), el.getAttribute('data-end'), el.hasAttribute('data-clamped')]),
    );
    expect(chips).toEqual([
      ['1', '2', false],
      ['11', '12', false],
      ['11', '12', false],
      ['17.5', '18.5', false],
      ['20', null, true],
    ]);
    expect(await page.textContent('[data-testid=answer]')).toContain('C');
    expect(await page.getAttribute('[data-testid=answer] [aria-label]', 'aria-label')).toBe('Choice C');
  });

  it('seeks to each chip; a range plays to its end and pauses', async () => {
    await openTraceAndVideo();
    const chips = page.locator('[data-testid=timestamp]');
    const starts: number[] = [];
    for (const i of [0, 1, 3, 4]) {
      await chips.nth(i).click();
      starts.push(Number(await chips.nth(i).getAttribute('data-start')));
      await page.waitForFunction((n) => (window as AppWindow).__seeks.length === n, starts.length);
    }
    expectTimes(await seeks(), [1, 11, 17.5, 20]);

    await chips.nth(0).click();
    await page.waitForFunction(() => {
      const v = document.querySelector('video')!;
      return v.paused && v.currentTime >= 1.9;
    });
    // Paused at the range's end, give or take a frame (the player stops on the frame showing 00:02).
    const end = await page.evaluate(() => document.querySelector('video')!.currentTime);
    expect(end).toBeGreaterThan(1.9);
    expect(end).toBeLessThan(2.6);
  });

  it('marks every cited segment on the timeline; clicking one seeks there', async () => {
    await openTraceAndVideo();
    const segments = page.locator('[data-testid=timeline-segment]');
    expect(await segments.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-start'))))).toEqual(
      PLAYED_STARTS,
    );
    await segments.nth(2).hover();
    expect(await segments.nth(2).textContent()).toContain('the landing');
    await segments.nth(1).click();
    await page.waitForFunction(() => (window as AppWindow).__seeks.length === 1);
    expectTimes(await seeks(), [11]);
  });

  it('plays the trace: each cited start in order, captioned with its observation', async () => {
    await openTraceAndVideo();
    const captions: string[] = [];
    await page.exposeFunction('__caption', (text: string) => captions.push(text));
    await page.evaluate(() => {
      const w = window as AppWindow;
      new MutationObserver(() => {
        const caption = document.querySelector('[data-testid=caption] .text')?.textContent;
        if (caption && caption !== w.__lastCaption) void w.__caption((w.__lastCaption = caption));
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.click('[data-testid=play-trace]');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=pause-trace]')!.hasAttribute('disabled') &&
        (window as AppWindow).__seeks.length >= 3,
    );
    expectTimes(await seeks(), PLAYED_STARTS);
    expect(captions).toEqual([
      'The red square moves right.',
      expect.stringContaining('Two squares cross'),
      'The cyan square lands.',
    ]);
    expect(await page.isVisible('[data-testid=caption]')).toBe(false);
  });

  it('pauses, resumes and steps with the keyboard', async () => {
    await openTraceAndVideo();
    await page.click('[data-testid=play-trace]');
    await page.waitForFunction(() => (window as AppWindow).__seeks.length === 1);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => (window as AppWindow).__seeks.length === 2);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => (window as AppWindow).__seeks.length === 3);
    expectTimes(await seeks(), [1, 11, 1]);
    // Focus is still on "Play trace": Space pauses all the same, and does not restart the walk.
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('video')!.paused);
    expect(await page.textContent('[data-testid=pause-trace]')).toContain('Resume');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => !document.querySelector('video')!.paused);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.querySelector('[data-testid=pause-trace]')!.hasAttribute('disabled'));
    expect(await page.isVisible('[data-testid=caption]')).toBe(false);
  });
});

describe('the example', () => {
  it('opens the sample video with the example trace, labelled as hand-written, ready to play', async () => {
    await page.click('text=see an example');
    await page.waitForSelector('[data-testid=trace-step][data-kind=answer]');
    await page.waitForFunction(
      () => (document.querySelector('[data-testid=player]') as HTMLVideoElement | null)?.duration === 20,
    );
    expect(await page.textContent('[data-testid=drop-zone]')).toContain('sample-video.mp4');
    expect(await page.textContent('.trace')).toContain('Hand-written example');
    expect(await page.textContent('[data-testid=answer]')).toContain('B');
    expect(await page.isEnabled('[data-testid=play-trace]')).toBe(true);
    expect(await page.isVisible('[data-testid=notice]')).toBe(false);
  });
});

describe('export and import', () => {
  it('exports JSON that re-imports to the same steps, and WebVTT with a cue per cited segment', async () => {
    await openTraceAndVideo();
    const before = await stepsOnScreen();
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-json]')]);
    expect(json.suggestedFilename()).toBe('sample-video.trace.json');
    const text = readFileSync((await json.path())!, 'utf8');
    const record = JSON.parse(text);
    expect(record).toMatchObject({
      format: 'rewatch-web-trace',
      version: 2,
      raw: RAW,
      video: { name: 'sample-video.mp4' },
      rewatches: [],
      evidence: [],
    });
    expect(record.video.duration).toBeCloseTo(20, 0);
    expect(record.steps).toHaveLength(before.length);

    const [vtt] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-vtt]')]);
    const cues = readFileSync((await vtt.path())!, 'utf8');
    expect(cues.startsWith('WEBVTT\n')).toBe(true);
    expect(cues.match(/-->/g)).toHaveLength(PLAYED_STARTS.length);
    expect(cues).toContain('00:00:17.500 --> 00:00:18.500');

    await page.reload();
    await page.setInputFiles('[data-testid=import-trace]', textFile('output.trace.json', text, 'application/json'));
    await page.waitForSelector('[data-testid=trace-step]');
    expect(await stepsOnScreen()).toEqual(before);
  });

  it('renders model text as text: no element, no script from the trace', async () => {
    await openTraceAndVideo();
    const observation = page.locator('[data-testid=trace-step][data-kind=observation]').nth(1);
    expect(await observation.textContent()).toContain(
      '<img src=x onerror="window.__xss=1"> and <script>window.__xss=2</script>',
    );
    expect(await page.locator('[data-testid=trace] img, [data-testid=trace] script').count()).toBe(0);
    expect(await page.evaluate(() => (window as AppWindow).__xss)).toBeUndefined();
  });
});

describe('bad input', () => {
  async function errorText() {
    await page.waitForSelector('[data-testid=error]');
    return page.textContent('[data-testid=error]');
  }

  it('refuses a dropped non-video file and keeps the video and trace', async () => {
    await openTraceAndVideo();
    const before = await stepsOnScreen();
    const src = await page.getAttribute('[data-testid=player]', 'src');
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['%PDF-1.4'], 'notes.pdf', { type: 'application/pdf' }));
      return dt;
    });
    await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
    expect(await errorText()).toContain('"notes.pdf" is not a video file');
    expect(await page.getAttribute('[data-testid=player]', 'src')).toBe(src);
    expect(await stepsOnScreen()).toEqual(before);
  });

  it('calls a dropped WebVTT export what it is, not a bad video, and keeps the video and trace', async () => {
    await openTraceAndVideo();
    const before = await stepsOnScreen();
    const dataTransfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['WEBVTT\n'], 'sample-video.vtt', { type: 'text/vtt' }));
      return dt;
    });
    await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
    const message = await errorText();
    expect(message).toContain(
      'Could not import "sample-video.vtt": WebVTT is for players: import the .json export to restore a trace.',
    );
    expect(message).toContain('The trace on screen is unchanged.');
    expect(message).not.toContain('not a video file');
    expect(await stepsOnScreen()).toEqual(before);
  });

  it('opens a dropped video in the player and revokes the one it replaces', async () => {
    await openTraceAndVideo();
    const first = (await page.getAttribute('[data-testid=player]', 'src'))!;
    const dataTransfer = await page.evaluateHandle(async () => {
      const dt = new DataTransfer();
      const blob = await (await fetch('/sample-video.mp4')).blob();
      dt.items.add(new File([blob], 'dropped.mp4', { type: 'video/mp4' }));
      return dt;
    });
    await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
    await page.waitForFunction((old) => document.querySelector('video')!.src !== old, first);
    expect(await page.textContent('[data-testid=drop-zone]')).toContain('dropped.mp4');
    const revoked = await page.evaluate(
      (url) =>
        fetch(url).then(
          () => false,
          () => true,
        ),
      first,
    );
    expect(revoked).toBe(true);
  });

  it('says why when the browser cannot play a file named like a video, and stays usable', async () => {
    await page.setInputFiles('[data-testid=video-input]', join(VIDEO_FIXTURES_DIR, 'not-a-video.mp4'));
    await page.waitForSelector('[data-testid=player-failure]');
    expect(await page.textContent('[data-testid=player-failure]')).toContain(
      'This browser cannot play "not-a-video.mp4"',
    );
    await page.setInputFiles('[data-testid=video-input]', VIDEO);
    await playerReady();
    expect(await page.isVisible('[data-testid=player-failure]')).toBe(false);
  });

  it('refuses malformed and hostile trace files with a clear message, keeping the trace on screen', async () => {
    await openTraceAndVideo();
    const before = await stepsOnScreen();
    const good = {
      format: 'rewatch-web-trace',
      version: 1,
      raw: 'x',
      question: 'q',
      video: null,
      model: null,
      settings: {},
      timings: {},
    };
    const cases: [string, string, RegExp][] = [
      ['broken.json', '{"format": "rewatch-web-trace", "raw": ', /not valid JSON/],
      ['other.json', JSON.stringify({ hello: 'world' }), /not a ReWatch-Web trace/],
      [
        'hostile.json',
        JSON.stringify({ ...good, raw: { toString: '<img src=x onerror=alert(1)>' } }),
        /"raw" must be text/,
      ],
      [
        'duration.json',
        JSON.stringify({ ...good, video: { name: 'a', duration: 'Infinity' } }),
        /"video.duration" must be a non-negative number/,
      ],
      ['empty.txt', '   ', /empty/],
      [
        'captions.vtt',
        'WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nStep 1\n',
        /WebVTT is for players: import the \.json export/,
      ],
    ];
    for (const [name, text, want] of cases) {
      await page.setInputFiles('[data-testid=import-trace]', textFile(name, text, 'application/json'));
      await page.waitForFunction((n) => document.querySelector('[data-testid=error]')?.textContent?.includes(n), name);
      const message = await errorText();
      expect(message, name).toMatch(want);
      expect(message, name).toContain('The trace on screen is unchanged.');
      expect(await stepsOnScreen(), name).toEqual(before);
      await page.click('[data-testid=error] button');
    }
    // Still usable: a good import replaces the trace.
    await page.setInputFiles('[data-testid=import-trace]', textFile('next.txt', '<answer>A</answer>'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=trace-step]').length === 1);
    expect(await page.isVisible('[data-testid=error]')).toBe(false);
  });
});

describe('keyboard and labels', () => {
  it('reaches the file picker, question, and trace chips by Tab, with labels', async () => {
    await openTraceAndVideo();
    expect(await page.locator('#video-input').evaluate((el: HTMLInputElement) => el.labels?.length)).toBeGreaterThan(0);
    expect(
      await page.locator('[data-testid=question]').evaluate((el: HTMLTextAreaElement) => el.labels?.[0]?.textContent),
    ).toContain('question');
    const reached = new Set<string>();
    for (let i = 0; i < 40 && reached.size < 4; i++) {
      await page.keyboard.press('Tab');
      const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
      if (['video-input', 'question', 'timestamp', 'play-trace'].includes(id)) reached.add(id);
    }
    expect([...reached].sort()).toEqual(['play-trace', 'question', 'timestamp', 'video-input']);
  });
});
