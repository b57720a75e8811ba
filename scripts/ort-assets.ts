/**
 * Serves ONNX Runtime Web's WASM runtime from the app itself (never a CDN): copies the files that
 * transformers.js' WebGPU/WASM build loads (src/lib/models/ort-runtime-files.ts) from
 * node_modules/onnxruntime-web/dist into public/ort/ (gitignored). As a Vite plugin it runs for dev, build and the test dev server alike.
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { ORT_PUBLIC_DIR, ORT_RUNTIME_FILES } from '../src/lib/models/ort-runtime-files.ts';

/** Copies the runtime files into `<root>/public/ort/` when absent or different in size or age. */
export function copyOrtAssets(root: string): void {
  const from = join(root, 'node_modules', 'onnxruntime-web', 'dist');
  const to = join(root, 'public', ORT_PUBLIC_DIR);
  mkdirSync(to, { recursive: true });
  for (const file of Object.values(ORT_RUNTIME_FILES)) {
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

/**
 * Vite plugin for the worker builds: drops the copy of ORT's .wasm that bundling emits into assets/
 * (onnxruntime-web names it through `new URL(..., import.meta.url)` for when no wasmPaths is set). The app
 * always sets wasmPaths to /ort/, so that 26 MB copy would only be downloaded and cached offline twice.
 */
export function withoutBundledOrtWasm(): Plugin {
  const runtime = new Set<string>(Object.values(ORT_RUNTIME_FILES).filter((f) => f.endsWith('.wasm')));
  return {
    name: 'rewatch-without-bundled-ort-wasm',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const [fileName, output] of Object.entries(bundle)) {
        if (output.type === 'asset' && output.names.some((n) => runtime.has(n))) delete bundle[fileName];
      }
    },
  };
}
