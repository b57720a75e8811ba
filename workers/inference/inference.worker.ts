/**
 * The inference worker: owns the model; the page talks to it only through the InferenceApi (comlink).
 * ORT's WASM runtime is served by the app itself (public/ort, see scripts/ort-assets.ts), never a CDN.
 */
import { expose } from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import type { InferenceApi } from '../../src/lib/inference-protocol.ts';
import { installInferenceErrorTransfer } from '../../src/lib/inference-error.ts';
import { ORT_PUBLIC_DIR, ORT_RUNTIME_FILES } from '../../src/lib/ort-runtime-files.ts';
import { InferenceService } from './inference-service.ts';

const ortBase = new URL(`${import.meta.env.BASE_URL}${ORT_PUBLIC_DIR}/`, self.location.origin).href;
ort.env.wasm.wasmPaths = { mjs: ortBase + ORT_RUNTIME_FILES.mjs, wasm: ortBase + ORT_RUNTIME_FILES.wasm };

installInferenceErrorTransfer();
expose(new InferenceService(ort) satisfies InferenceApi);
