/**
 * The ONNX Runtime Web files the app serves itself (copied by scripts/ort-assets.ts, loaded by the inference
 * worker). The asyncify build is the one onnxruntime-web's WebGPU bundle (which transformers.js imports)
 * loads; it also runs the WASM execution provider.
 */

/** Folder under public/, and URL path under the app's base. */
export const ORT_PUBLIC_DIR = 'ort';

export const ORT_RUNTIME_FILES = {
  mjs: 'ort-wasm-simd-threaded.asyncify.mjs',
  wasm: 'ort-wasm-simd-threaded.asyncify.wasm',
} as const;
