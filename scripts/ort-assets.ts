/**
 * Serves ONNX Runtime Web's WASM runtime from the app itself (never a CDN): copies the files that
 * transformers.js' WebGPU/WASM build loads from node_modules/onnxruntime-web/dist into public/ort/
 * (gitignored). As a Vite plugin it runs for dev, build and the test dev server alike.
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';

/** Folder under public/ (and URL path under the app's base) holding the runtime files. */
export const ORT_PUBLIC_DIR = 'ort';

/**
 * The asyncify build is the one onnxruntime-web's WebGPU bundle loads (it also runs the WASM EP);
 * workers/inference points env.backends.onnx.wasm.wasmPaths at these two files.
 */
export const ORT_RUNTIME_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'] as const;

/** Copies the runtime files into `<root>/public/ort/` when absent or different in size or age. */
export function copyOrtAssets(root: string): void {
  const from = join(root, 'node_modules', 'onnxruntime-web', 'dist');
  const to = join(root, 'public', ORT_PUBLIC_DIR);
  mkdirSync(to, { recursive: true });
  for (const file of ORT_RUNTIME_FILES) {
    const source = join(from, file);
    if (!existsSync(source)) throw new Error(`onnxruntime-web file missing: ${source} (run npm install)`);
    const target = join(to, file);
    const src = statSync(source);
    const dst = existsSync(target) ? statSync(target) : null;
    if (dst && dst.size === src.size && dst.mtimeMs >= src.mtimeMs) continue;
    copyFileSync(source, target);
  }
}

/** Vite plugin: the ORT files are in public/ort/ before the dev server or the build reads public/. */
export function ortAssets(): Plugin {
  return {
    name: 'rewatch-ort-assets',
    configResolved(config) {
      copyOrtAssets(config.root);
    },
  };
}

