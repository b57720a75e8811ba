/**
 * Whether grounded re-watch (grounded-rewatch.ts) is on for a model unless a person says otherwise: on for
 * ReWatch-R1, i.e. the catalog's ReWatch-trained entries and any model outside the catalog (a folder picked
 * from disk or another URL, which run-settings.ts also takes to be ReWatch-R1); off for the other catalog
 * entries (Qwen2.5-VL Instruct and the tiny test models: they were not trained to write re-watch actions).
 */
import type { ModelSource } from '../protocol/inference-protocol.ts';
import { catalogEntryOf } from './run-settings.ts';

/** `base`: the page URL that relative model URLs are resolved against. */
export function groundedByDefault(source: ModelSource, base: string): boolean {
  return catalogEntryOf(source, base)?.rewatchTrained ?? true;
}
