/**
 * `npm start` for real: builds the app, serves dist/ on $PORT, prints the URL; in Chromium the built page is
 * cross-origin isolated, shows the sample video with the example trace, and plays the trace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectConsole, launchChromium, type LaunchedBrowser } from '../support/browser.ts';
import { REPO_ROOT } from '../support/reference.ts';

let serverProcess: ChildProcess;
let browser: LaunchedBrowser;
let url: string;

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  serverProcess = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port) },
    detached: true,
  });
  let output = '';
  url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const printed = /running at (http:\/\/localhost:\d+\/)/.exec(output);
      if (printed) resolve(printed[1]);
    };
    serverProcess.stdout!.on('data', read);
    serverProcess.stderr!.on('data', read);
    serverProcess.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  expect(url).toBe(`http://localhost:${port}/`);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  // npm runs tsx runs node: end the whole process group it was started in.
  if (serverProcess?.pid) process.kill(-serverProcess.pid, 'SIGTERM');
});

describe('npm start', () => {
  it('serves the built app, cross-origin isolated, and the example plays', async () => {
    const page = await browser.context.newPage();
    const log = collectConsole(page);
    try {
      await page.goto(url);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      await page.click('text=see an example');
      await page.waitForSelector('[data-testid=trace-step][data-kind=answer]');
      await page.waitForFunction(
        () => ((document.querySelector('[data-testid=player]') as HTMLVideoElement | null)?.duration ?? 0) > 0,
      );
      await page.click('[data-testid=play-trace]');
      await page.waitForSelector('[data-testid=caption]');
      expect(await page.textContent('[data-testid=caption]')).toContain('Step 2');
    } catch (e) {
      console.log(log.join('\n'));
      throw e;
    }
  });
});
