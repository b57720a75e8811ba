/**
 * The inference worker: owns the model; the page talks to it only through the InferenceApi (comlink).
 * ORT's WASM runtime is served by the app itself (public/ort, see scripts/ort-assets.ts), never a CDN.
 */
import { expose } from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import type { InferenceApi } from '../../src/lib/protocol/inference-protocol.ts';
import { InferenceService } from './inference-service.ts';
import { configureOrtWeb } from './ort-web-env.ts';

configureOrtWeb(ort, import.meta.env.BASE_URL);
expose(new InferenceService(ort) satisfies InferenceApi);
