/**
 * The service worker: after one visit the page opens, loads a downloaded model and answers with the network
 * off. It precaches the built app shell and ONNX Runtime's files (the list and version are prepended by
 * scripts/service-worker.ts at build time), serves model files from the downloads' cache, and never touches
 * another origin (no CDN is ever involved).
 */
/// <reference lib="webworker" />
import { MODEL_CACHE } from './lib/models/download-plan.ts';

declare const self: ServiceWorkerGlobalScope;
/** Files of this build, relative to the service worker's URL (prepended at build time). */
declare const PRECACHE: string[];
/** A hash of this build's files: a new build installs a new shell cache and drops the old one. */
declare const BUILD_VERSION: string;

const SHELL_PREFIX = 'rewatch-shell-';
const SHELL_CACHE = `${SHELL_PREFIX}${BUILD_VERSION}`;
const INDEX = new URL('./', self.location.href).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll([INDEX, ...PRECACHE.map((path) => new URL(path, self.location.href).href)]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith(SHELL_PREFIX) && n !== SHELL_CACHE).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

async function respond(request: Request): Promise<Response> {
  const model = await (await caches.open(MODEL_CACHE)).match(request);
  if (model) return model;
  const shell = await caches.open(SHELL_CACHE);
  if (request.mode === 'navigate') {
    // The page itself: fresh when online (a new build), the cached shell when not.
    try {
      return await fetch(request);
    } catch (error) {
      const cached = await shell.match(INDEX);
      if (cached) return cached;
      throw error;
    }
  }
  return (await shell.match(request)) ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request));
});
