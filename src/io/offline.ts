/**
 * Registers the service worker (src/sw.ts, built by scripts/service-worker.ts) that lets the page open and a
 * downloaded model load with the network off. Production builds only: the dev server serves modules on demand,
 * which no precache list can describe.
 */
export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  // Without it the app still works online; it only loses offline start, so a failure is a warning.
  await navigator.serviceWorker
    .register(`${import.meta.env.BASE_URL}sw.js`, { type: 'module', scope: import.meta.env.BASE_URL })
    .catch((error: unknown) => console.warn('offline use unavailable: the service worker did not register:', error));
}
