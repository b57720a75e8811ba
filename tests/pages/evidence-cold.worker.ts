/**
 * Test worker for tests/e2e/grounded.test.ts: the evidence score of an observation against a clip by a cold,
 * separate run (workers/inference/loop-test-kit.ts coldEvidenceScore) on its own copy of the model (WASM),
 * to compare with what the app's inference worker scored.
 */
import { expose } from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import type { RewatchClip } from '../../src/lib/protocol/inference-protocol.ts';
import { LoadedModel } from '../../workers/inference/loaded-model.ts';
import { coldEvidenceScore } from '../../workers/inference/loop-test-kit.ts';
import { configureOrtWeb } from '../../workers/inference/ort-web-env.ts';
import { webBackend } from '../../workers/inference/web-backend.ts';
import { webModelFolder } from '../../workers/inference/web-model-folder.ts';

configureOrtWeb(ort, '/');

const api = {
  /** Loads the fp32 model at `modelUrl`, scores once, and releases it. */
  async coldScore(
    modelUrl: string,
    observation: string,
    clip: Pick<RewatchClip, 'width' | 'height' | 'frames' | 'sampleFps'>,
  ): Promise<number> {
    const model = await LoadedModel.open(
      webModelFolder({ kind: 'url', url: modelUrl }),
      webBackend(ort, 'wasm'),
      'fp32',
    );
    try {
      return (await coldEvidenceScore(model, observation, clip)).score;
    } finally {
      await model.release();
    }
  },
};

export type EvidenceColdApi = typeof api;
expose(api);
