/**
 * Page side of tests/e2e/models*.test.ts: mounts the model panel alone (with the app's real inference client and
 * states); the state objects are exposed on `window.harness` so a test can also drive intents the panel has no
 * button for (inside page.evaluate).
 */
import { mount } from 'svelte';
import ModelPanel from '../../src/components/model/ModelPanel.svelte';
import { MODEL_CACHE } from '../../src/lib/models/download-plan.ts';
import { Inference } from '../../src/state/inference.ts';
import { ModelsState } from '../../src/state/models.svelte.ts';
import { setHarness } from '../support/harness.ts';

const inference = new Inference();
const models = new ModelsState(inference.model);
mount(ModelPanel, { target: document.getElementById('panel')!, props: { models } });

const harness = {
  models,
  /** The model's runs (chat, text, error). */
  inference: inference.run,
  /** Every URL in the model cache. */
  async cacheKeys(): Promise<string[]> {
    return (await (await caches.open(MODEL_CACHE)).keys()).map((r) => r.url);
  },
  /** The browser's storage usage estimate, bytes. */
  async usage(): Promise<number | undefined> {
    return (await navigator.storage.estimate()).usage;
  },
};

export type ModelsHarness = typeof harness;
setHarness(harness);
