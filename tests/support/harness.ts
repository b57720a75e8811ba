/**
 * Typed calls from a test (Node) into a harness page (tests/pages). A page module exports the type of the
 * object it puts on `window.harness` (e.g. `export type DecoderLoopHarness = typeof harness`) and sets
 * `window.harnessReady` once it is usable; a test imports that type only (`import type`) and calls
 *
 *   const loop = await openHarness<DecoderLoopHarness>(page, `${url}/tests/pages/decoder-loop.html`);
 *   const probe = await loop.kvProbe(modelUrl, 'fp32', request, 6);
 *
 * or `callHarness<DecoderLoopHarness, 'kvProbe'>(page, 'kvProbe', ...)`. Arguments and results cross to the
 * page and back as Playwright serialises them (plain data, typed arrays, no functions).
 *
 * Test-only values a test puts on the page's window (`__seeks`, `__seen`, ...) are typed the same way:
 * `(window as ProbeWindow<AppProbes>).__seeks`, with a small interface of the test's own probes.
 *
 * The page modules import this file too (setHarness), so it has no runtime import: Playwright's types only.
 */
import type { Page } from 'playwright-core';

/** What a harness page puts on its window. */
export interface HarnessWindow<H> {
  harness: H;
  harnessReady: boolean;
}

/** The page's window with a test's own probes on it; cast inside page.evaluate: `window as ProbeWindow<P>`. */
export type ProbeWindow<P> = Window & typeof globalThis & P;

/** Any function (parameters are contravariant: `never[]` admits every parameter list). */
type HarnessFn = (...args: never[]) => unknown;

/** The names of `H`'s methods. */
export type HarnessMethod<H> = { [K in keyof H]: H[K] extends HarnessFn ? K : never }[keyof H] & string;

/** The arguments of one method of `H`, and what calling it from a test resolves to. */
export type HarnessArgs<H, K extends HarnessMethod<H>> = Parameters<Extract<H[K], HarnessFn>>;
export type HarnessResult<H, K extends HarnessMethod<H>> = Awaited<ReturnType<Extract<H[K], HarnessFn>>>;

/** A harness as a test sees it: each method async, called in the page. */
export type HarnessClient<H> = {
  [K in HarnessMethod<H>]: (...args: HarnessArgs<H, K>) => Promise<HarnessResult<H, K>>;
};

/** Page side: puts `harness` on the window and says it is ready. */
export function setHarness<H>(harness: H): void {
  const w = window as unknown as HarnessWindow<H>;
  w.harness = harness;
  w.harnessReady = true;
}

/** Waits until the page has set `window.harnessReady` (its module and imports have loaded). */
export async function waitForHarness(page: Page, timeout = 120_000): Promise<void> {
  await page.waitForFunction(() => (window as unknown as Partial<HarnessWindow<unknown>>).harnessReady === true, null, {
    timeout,
  });
}

/** Calls `window.harness[name](...args)` in the page and resolves to its (awaited) result. */
export function callHarness<H, K extends HarnessMethod<H>>(
  page: Page,
  name: K,
  ...args: HarnessArgs<H, K>
): Promise<HarnessResult<H, K>> {
  return page.evaluate(
    ([method, rest]) => {
      const { harness } = window as unknown as HarnessWindow<Record<string, (...a: unknown[]) => unknown>>;
      return harness[method](...rest);
    },
    [name, args as unknown[]] as const,
  ) as Promise<HarnessResult<H, K>>;
}

/**
 * The harness of the page `page` shows (or of whichever page `page()` returns at call time, for tests that
 * open a new page per test), as an object of async methods.
 */
export function harnessClient<H>(page: Page | (() => Page)): HarnessClient<H> {
  const current = typeof page === 'function' ? page : () => page;
  return new Proxy({} as HarnessClient<H>, {
    get(_, name) {
      // Not a thenable: `await openHarness(...)` must resolve to the client itself.
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (...args: HarnessArgs<H, HarnessMethod<H>>) =>
        callHarness<H, HarnessMethod<H>>(current(), name as HarnessMethod<H>, ...args);
    },
  });
}

/** Opens `url` in `page`, waits for its harness, and returns it. */
export async function openHarness<H>(page: Page, url: string, timeout = 120_000): Promise<HarnessClient<H>> {
  await page.goto(url);
  await waitForHarness(page, timeout);
  return harnessClient<H>(page);
}
