import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { ortAssets, withoutBundledOrtWasm } from './scripts/ort-assets.ts';
import { serviceWorker } from './scripts/service-worker.ts';

// Cross-origin isolation lets ORT's WASM backend use threads (SharedArrayBuffer).
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [svelte(), ortAssets(), serviceWorker()],
  worker: { format: 'es', plugins: () => [withoutBundledOrtWasm()] },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
});
