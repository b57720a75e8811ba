/**
 * The page's side of the inference worker, wired together: the typed proxy (inference-client.ts), the
 * model's load state (model-load.svelte.ts) and its runs (model-run.svelte.ts). A load first ends a running
 * generation; a run that loses the GPU device unloads the model. Components read the two states and call
 * their intents; they never see the worker or the ML library.
 */
import { InferenceClient } from './inference-client.ts';
import { ModelLoadState } from './model-load.svelte.ts';
import { ModelRunState } from './model-run.svelte.ts';

export class Inference {
  readonly client: InferenceClient;
  readonly model: ModelLoadState;
  readonly run: ModelRunState;

  /** `createWorker` lets tests wrap the worker (e.g. hide WebGPU); the app uses the default. */
  constructor(createWorker?: () => Worker) {
    this.client = new InferenceClient(createWorker);
    this.run = new ModelRunState(this.client, (error) => this.model.lost(error));
    this.model = new ModelLoadState(this.client, () => this.run.supersede());
  }

  /** Ends the worker and its model; unusable afterwards. */
  dispose(): void {
    this.client.dispose();
  }
}
