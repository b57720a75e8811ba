/**
 * The frame sampling and generation settings for a question, from the loaded model's frame budget in the
 * catalog (ReWatch-R1: 2 fps, at most 192 frames, 128 visual tokens per two frames, 2,048 new tokens);
 * a model folder that is not in the catalog (picked from disk) is taken to be ReWatch-R1.
 */
import { sourceFolderUrl } from '../models/download-plan.ts';
import type { ExtractOptions } from '../protocol/frames-protocol.ts';
import type { GenerationOptions, ModelSource } from '../protocol/inference-protocol.ts';
import { CATALOG, catalogEntry, type CatalogEntry } from '../models/model-catalog.ts';

/** ReWatch-R1's sampling rate (its README). */
export const SAMPLE_FPS = 2;
/** Pixels per visual token: 14-px patches merged 2x2. */
const PIXELS_PER_TOKEN = 28 * 28;

export interface RunSettings {
  frames: ExtractOptions;
  generation: GenerationOptions;
}

/** The catalog entry a loaded model came from (none for a folder picked from disk). */
export function catalogEntryOf(source: ModelSource, base: string): CatalogEntry | undefined {
  const folder = source.kind === 'files' ? null : sourceFolderUrl(source, base);
  return folder ? CATALOG.find((e) => sourceFolderUrl(e.source, base) === folder) : undefined;
}

/** `base`: the page URL that relative model URLs are resolved against. Decoding is greedy. */
export function runSettings(source: ModelSource, base: string): RunSettings {
  const budget = (catalogEntryOf(source, base) ?? catalogEntry('rewatch-r1-7b')).frameBudget;
  const pixels = budget.tokensPerTemporalStep * PIXELS_PER_TOKEN;
  return {
    frames: { fps: SAMPLE_FPS, maxFrames: budget.maxFrames, minPixels: pixels, maxPixels: pixels },
    generation: { maxNewTokens: budget.maxNewTokens, temperature: 0 },
  };
}
