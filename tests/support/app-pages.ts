/**
 * The app in Chromium for tests that open a fresh page per test or group: one dev server and one browser for
 * the test file (with the video fixtures made first), and pages on the app whose console is collected and
 * printed when a test fails.
 */
import { afterAll, beforeAll, type TestContext } from 'vitest';
import makeVideos from '../../scripts/fixtures/videos.ts';
import { collectConsole, launchChromium, startDevServer, type LaunchedBrowser, type Page } from './browser.ts';

export interface AppPages {
  /**
   * Closes the previous page and opens a new one, not yet navigated (for init scripts); its console lines
   * are printed if a test of `ctx` fails.
   */
  newPage(ctx?: Pick<TestContext, 'onTestFailed'>): Promise<Page>;
  /** A new page on the app, ready: the drop zone is shown. */
  open(ctx?: Pick<TestContext, 'onTestFailed'>): Promise<Page>;
  /** Prints the current page's console lines if a test of `ctx` fails (for tests sharing one page). */
  printLogOnFailure(ctx: Pick<TestContext, 'onTestFailed'>): void;
  /** The app's index page on the dev server. */
  readonly indexUrl: string;
}

/** Registers the file's beforeAll/afterAll (dev server, browser) and returns the way to open pages. */
export function appPages(): AppPages {
  let browser: LaunchedBrowser | undefined;
  let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
  let page: Page | undefined;
  let log: string[] = [];

  beforeAll(async () => {
    await makeVideos();
    server = await startDevServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.server.close();
  });

  const pages: AppPages = {
    get indexUrl() {
      return `${server!.url}/index.html`;
    },
    async newPage(ctx) {
      await page?.close();
      page = await browser!.context.newPage();
      log = collectConsole(page);
      if (ctx) pages.printLogOnFailure(ctx);
      return page;
    },
    async open(ctx) {
      const opened = await pages.newPage(ctx);
      await opened.goto(pages.indexUrl);
      await opened.waitForSelector('[data-testid=drop-zone]');
      return opened;
    },
    printLogOnFailure(ctx) {
      ctx.onTestFailed(() => console.log(log.join('\n')));
    },
  };
  return pages;
}
