/**
 * onnxruntime-web's settings for a worker of this app: its WASM runtime files from the app's own /ort/ folder
 * (scripts/ort-assets.ts; never a CDN), and as many WASM threads as the machine has cores. ORT's default is
 * half the cores (one on a 2-core machine), meant for pages whose main thread computes too; the model runs in
 * its own worker here and the page's thread is mostly idle while it does.
 */
import type * as Ort from 'onnxruntime-web';
import { ORT_PUBLIC_DIR, ORT_RUNTIME_FILES } from '../../src/lib/models/ort-runtime-files.ts';

/** At most this many: past it, threads contend for memory bandwidth more than they add compute. */
const MAX_WASM_THREADS = 8;

export function configureOrtWeb(ort: typeof Ort, baseUrl: string): void {
  const ortBase = new URL(`${baseUrl}${ORT_PUBLIC_DIR}/`, self.location.origin).href;
  ort.env.wasm.wasmPaths = { mjs: ortBase + ORT_RUNTIME_FILES.mjs, wasm: ortBase + ORT_RUNTIME_FILES.wasm };
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page has.
  if (self.crossOriginIsolated)
    ort.env.wasm.numThreads = Math.max(1, Math.min(MAX_WASM_THREADS, navigator.hardwareConcurrency || 1));
}
