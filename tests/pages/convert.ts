/**
 * Page side of tests/e2e/convert-in-page.test.ts: the model panel with the app's real states (its convert
 * worker writes into this origin's OPFS), plus what the test reads back: the OPFS models folder, each
 * converted file's SHA-256, storage use, and greedy chats on the loaded model.
 */
import { mount } from 'svelte';
import ModelPanel from '../../src/components/model/ModelPanel.svelte';
import type { AskResult, ChatRequest } from '../../src/lib/protocol/inference-protocol.ts';
import { OPFS_MODELS_DIR } from '../../src/lib/protocol/convert-protocol.ts';
import { opfsEntries } from '../../src/io/opfs-entries.ts';
import { listConvertedModels } from '../../src/io/opfs-models.ts';
import { Inference } from '../../src/state/inference.ts';
import { ModelsState } from '../../src/state/models.svelte.ts';
import { setHarness } from '../support/harness.ts';

const inference = new Inference();
const models = new ModelsState(inference.model);
mount(ModelPanel, { target: document.getElementById('panel')!, props: { models } });

const hex = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');

const harness = {
  models,
  /** Runs the panel's start-up again (as a visit does) and resolves once it has decided what to load. */
  init: () => models.init(),
  /** The converted model this visit loaded by itself, or null. */
  resumed: () => models.resumed,
  forgetLastModel: () => models.forgetLastModel(),
  /** Every entry of OPFS `models/` (staging folders included). */
  async opfsEntries(): Promise<string[]> {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(OPFS_MODELS_DIR, { create: true });
    const names: string[] = [];
    for await (const entry of opfsEntries(dir)) names.push(entry.name);
    return names.sort();
  },
  /** SHA-256 of every file of converted model `name`, by path relative to its folder. */
  async digests(name: string): Promise<Record<string, string>> {
    const model = (await listConvertedModels(false)).find((m) => m.name === name);
    if (!model) throw new Error(`no converted model "${name}" in OPFS`);
    const out: Record<string, string> = {};
    for (const f of model.files)
      out[f.path.slice(name.length + 1)] = hex(await crypto.subtle.digest('SHA-256', await f.file.arrayBuffer()));
    return out;
  },
  /** The browser's storage usage estimate, bytes. */
  async usage(): Promise<number | undefined> {
    return (await navigator.storage.estimate()).usage;
  },
  /** A chat on the loaded model: its token ids, or the error's message. */
  async chat(request: ChatRequest): Promise<{ ids: AskResult['tokenIds'] } | { error: string }> {
    const result = await inference.run.chat(request);
    return result ? { ids: result.tokenIds } : { error: inference.run.error?.message ?? 'superseded' };
  },
};

export type ConvertHarness = typeof harness;
setHarness(harness);
