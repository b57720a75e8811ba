/**
 * Access to the oracle in ../shared/reference (read in place, never copied into the repo).
 * REWATCH_REFERENCE overrides the location.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReferenceCaseMeta } from '../../models/parity/reference-case.ts';
import { readAll, type TypedTensor } from '../../src/lib/models/safetensors.ts';
import type { Grid } from '../../src/lib/preprocess/vision-tokens.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REFERENCE_ROOT = resolve(process.env.REWATCH_REFERENCE ?? join(REPO_ROOT, '../shared/reference'));

/** The reference checkpoints: each has model/, cases/ and sampling.json. */
export function referenceModels(): string[] {
  if (!existsSync(REFERENCE_ROOT))
    throw new Error(`reference data not found at ${REFERENCE_ROOT} (set REWATCH_REFERENCE)`);
  return readdirSync(REFERENCE_ROOT)
    .filter((d) => existsSync(join(REFERENCE_ROOT, d, 'model', 'config.json')))
    .sort();
}

export function referenceModelDir(model: string): string {
  return join(REFERENCE_ROOT, model, 'model');
}

/** Every case of one reference checkpoint, by name (case_a, ...). */
export function referenceCases(model: string): string[] {
  return readdirSync(join(REFERENCE_ROOT, model, 'cases'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/** Every (model, case) pair, so tests cover whatever cases the oracle holds, not a fixed list. */
export function allReferenceCases(): { model: string; name: string }[] {
  return referenceModels().flatMap((model) => referenceCases(model).map((name) => ({ model, name })));
}

export interface ReferenceCase {
  model: string;
  name: string;
  meta: ReferenceCaseMeta;
  tensors: Map<string, TypedTensor>;
}

export function loadReferenceCase(model: string, name: string): ReferenceCase {
  const base = join(REFERENCE_ROOT, model, 'cases', name);
  const meta = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
  const tensors = readAll(new Uint8Array(readFileSync(`${base}.safetensors`)), `${base}.safetensors`);
  return { model, name, meta, tensors };
}

/** sampling.json: the oracle's tables of qwen-vl-utils / transformers preprocessing rules. */
export interface ReferenceSampling {
  smart_resize: { rows: SmartResizeRow[] };
  frame_sampling: { rows: FrameSamplingRow[] };
  rope_temporal_index_vs_second_per_grid_t: { description: string; rows: RopeTemporalRow[] };
}

/** A rule's result, or the error it raised (a size it refuses). */
interface ResizeResult {
  resized_height: number;
  resized_width: number;
  grid_h: number;
  grid_w: number;
  tokens_per_frame_pair: number;
  error?: string;
}
export interface SmartResizeRow {
  height: number;
  width: number;
  factor: number;
  min_pixels: number;
  max_pixels: number;
  note?: string;
  qwen_vl_utils: ResizeResult;
  transformers: ResizeResult;
  branch: string;
  [more: string]: unknown;
}
export interface FrameSamplingRow {
  note?: string;
  total_frames: number;
  video_fps: number;
  fps: number;
  min_frames: number;
  max_frames: number;
  qwen_vl_utils: {
    nframes: number;
    indices: number[];
    sample_fps: number;
    second_per_grid_t: number;
    grid_t: number;
    hf456_rope_temporal_step_per_grid: number;
    [more: string]: unknown;
  };
  [more: string]: unknown;
}
export interface RopeTemporalRow {
  second_per_grid_t: number;
  tokens_per_second: number;
  hf456_relative_temporal_index_per_grid: number[];
  rope_deltas: number;
  position_of_vision_end_token: number;
}

export function loadSampling(model: string): ReferenceSampling {
  return JSON.parse(readFileSync(join(REFERENCE_ROOT, model, 'sampling.json'), 'utf8'));
}

/** A case's `image_grid_thw` / `video_grid_thw` rows as (t, h, w) grids; none when the case has no such input. */
export function referenceGrids(c: ReferenceCase, key: 'image_grid_thw' | 'video_grid_thw'): Grid[] {
  const t = c.tensors.get(key);
  if (!t) return [];
  const v = Array.from(t.data as BigInt64Array, Number);
  return Array.from({ length: v.length / 3 }, (_, i) => [v[3 * i], v[3 * i + 1], v[3 * i + 2]] as const);
}

/** A tensor of a case, failing loudly when absent. */
export function tensor(c: ReferenceCase, key: string): TypedTensor {
  const t = c.tensors.get(key);
  if (!t) throw new Error(`${c.model}/${c.name}: no tensor "${key}"`);
  return t;
}
