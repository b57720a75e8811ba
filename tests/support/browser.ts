/**
 * Real Chromium (Debian's) driven by playwright-core, with a real WebGPU adapter (SwiftShader when headless)
 * and WebCodecs. Each launch gets a fresh profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { REPO_ROOT } from './reference.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedBrowser {
  context: BrowserContext;
  /** The fresh profile folder (it names the browser's processes: benchmarks find them by it). */
  userDataDir: string;
  close(): Promise<void>;
}

/** A persistent context on a throwaway user-data-dir (as the flags above require a fresh profile). */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rewatch-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: false, // --headless=new is passed explicitly: playwright's own headless switch picks the old mode
    args: CHROMIUM_ARGS,
    ignoreDefaultArgs: ['--headless'],
  });
  return {
    context,
    userDataDir,
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The Vite dev server over the repo root: serves src/, workers/, tests/pages/ and models/fixtures/ as-is. */
export async function startDevServer(): Promise<{ url: string; server: ViteDevServer }> {
  const server = await createServer({
    root: REPO_ROOT,
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('dev server has no port');
  return { url: `http://localhost:${address.port}`, server };
}

/** Collects console errors and page errors so a test can print them when it fails. */
export function collectConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => lines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`[pageerror] ${e.message}`));
  return lines;
}

export type { Browser, BrowserContext, Page };

/** The usual end-to-end set-up: the dev server, a fresh Chromium, and one page whose console is collected. */
export interface TestPage {
  /** The dev server's origin, e.g. http://localhost:5173. */
  url: string;
  page: Page;
  /** The page's console and page errors, for printing when a test fails. */
  log: string[];
  close(): Promise<void>;
}

export async function openTestPage(): Promise<TestPage> {
  const { url, server } = await startDevServer();
  let browser: LaunchedBrowser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await server.close();
    throw error;
  }
  const page = await browser.context.newPage();
  return {
    url,
    page,
    log: collectConsole(page),
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
