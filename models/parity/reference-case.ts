/**
 * A reference case in the oracle's format (`<name>.json` + `<name>.safetensors`, see
 * ../shared/reference/qwen2_5_vl_tiny/README.md), reduced to what parity needs. Any case in that format works:
 * images, videos or both, one or several grids each.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ChatMessage } from '../../src/lib/generation/chat-template.ts';
import { readAll, type TypedTensor } from '../../src/lib/models/safetensors.ts';

/** The case's .json: what the tests read of it (the oracle writes more: checks, tensor shapes, ...). */
export interface ReferenceCaseMeta {
  case: string;
  kind: string;
  messages: ChatMessage[];
  prompt_text: string;
  processor_call: { fps?: number };
  processor_settings: {
    min_pixels: number;
    max_pixels: number;
    patch_size: number;
    temporal_patch_size: number;
    merge_size: number;
  };
  /** One count for a single-modality case, or one per modality. */
  num_vision_tokens: number | Record<string, number>;
  seq_len: number;
  rope_deltas: number;
  generated_ids: number[];
  /** Mixed cases: where the video's frames come from. */
  video?: Record<string, unknown>;
}

export interface VisionInput {
  kind: 'image' | 'video';
  /** [num_patches, C*tp*p*p] */
  pixelValues: Float32Array;
  patchDim: number;
  /** [num_grids, 3] rows of (t, h, w). */
  grid: BigInt64Array;
  /** The reference's merged features [num_patches / 4, out_hidden]. */
  expected: Float32Array;
}

export interface ParityCase {
  name: string;
  vision: VisionInput[];
  inputIds: BigInt64Array;
  /** [3, 1, S] */
  positionIds: BigInt64Array;
  ropeDelta: number;
  logitsLast: Float32Array;
  generatedIds: number[];
  /** [steps, vocab]: row 0 = prefill, row j = the decode step that fed generated id j - 1. */
  stepLogits: Float32Array;
  steps: number;
}

function floats(t: TypedTensor | undefined, key: string, where: string): Float32Array {
  if (!t || !(t.data instanceof Float32Array)) throw new Error(`${where}: tensor "${key}" is missing or not float`);
  return t.data;
}

function ints(t: TypedTensor | undefined, key: string, where: string): BigInt64Array {
  if (!t || !(t.data instanceof BigInt64Array)) throw new Error(`${where}: tensor "${key}" is missing or not int64`);
  return t.data;
}

/** `path` is the case without extension, e.g. ../shared/reference/qwen2_5_vl_tiny/cases/case_a. */
export function loadParityCase(path: string): ParityCase {
  const base = path.replace(/\.(json|safetensors)$/, '');
  for (const ext of ['.json', '.safetensors'])
    if (!existsSync(base + ext)) throw new Error(`reference case ${base}: ${base + ext} not found`);
  const t = readAll(new Uint8Array(readFileSync(`${base}.safetensors`)), `${base}.safetensors`);
  const get = (k: string) => t.get(k);
  const vision: VisionInput[] = [];
  for (const [kind, pixels, grid, embeds] of [
    ['image', 'pixel_values', 'image_grid_thw', 'image_embeds'],
    ['video', 'pixel_values_videos', 'video_grid_thw', 'video_embeds'],
  ] as const) {
    if (!t.has(pixels)) continue;
    const pv = get(pixels)!;
    vision.push({
      kind,
      pixelValues: floats(pv, pixels, base),
      patchDim: pv.shape[1],
      grid: ints(get(grid), grid, base),
      expected: floats(get(embeds), embeds, base),
    });
  }
  const steps = get('generate_step_logits')?.shape[0] ?? 0;
  return {
    name: base.split('/').pop()!,
    vision,
    inputIds: ints(get('input_ids'), 'input_ids', base),
    positionIds: ints(get('position_ids'), 'position_ids', base),
    ropeDelta: Number(ints(get('rope_deltas'), 'rope_deltas', base)[0]),
    logitsLast: floats(get('logits_last'), 'logits_last', base),
    generatedIds: Array.from(ints(get('generated_ids'), 'generated_ids', base), Number),
    stepLogits: floats(get('generate_step_logits'), 'generate_step_logits', base),
    steps,
  };
}
