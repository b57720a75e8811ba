/**
 * A reference case (`<case>.json` + `.safetensors`, see ../shared/reference/qwen2_5_vl_tiny/README.md) as
 * the chat request the inference pipeline takes: the case's messages, and its image and video in prompt
 * order with the sample rate of its processor call. The visuals are either the case's own resized pixels
 * or its raw frames resized here with src/lib (smart_resize as the processor does it, then the bit-exact
 * torchvision resize), so the whole preprocessing can be checked from the raw input.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ChatRequest, VisualInput } from '../../src/lib/protocol/inference-protocol.ts';
import { resizeRgb } from '../../src/lib/preprocess/image-resize.ts';
import { readAll, type TypedTensor } from '../../src/lib/models/safetensors.ts';
import { smartResize } from '../../src/lib/preprocess/smart-resize.ts';
import type { ReferenceCaseMeta } from './reference-case.ts';

/** 'resized': the case's resized_frames / resized_image; 'raw': frames / image resized with src/lib. */
export type CaseFrames = 'resized' | 'raw';

export interface CaseChat {
  name: string;
  request: ChatRequest;
  /** The case's greedy continuation. */
  expectedIds: number[];
  /** The case's .json, for callers that check more. */
  meta: ReferenceCaseMeta;
  tensors: Map<string, TypedTensor>;
}

/** `[T, H, W, 3]` uint8 as one buffer per frame. */
function splitFrames(t: TypedTensor, key: string): { frames: Uint8Array[]; height: number; width: number } {
  if (t.dtype !== 'U8' || t.shape.length !== 4 || t.shape[3] !== 3) throw new Error(`"${key}" is not uint8 [T,H,W,3]`);
  const [count, height, width] = t.shape;
  const size = height * width * 3;
  return { frames: Array.from({ length: count }, (_, i) => t.data.slice(i * size, (i + 1) * size)), height, width };
}

function tensorOf(tensors: Map<string, TypedTensor>, key: string, where: string): TypedTensor {
  const t = tensors.get(key);
  if (!t) throw new Error(`${where}: no tensor "${key}"`);
  return t;
}

/** The processor's resize of raw frames (transformers' smart_resize rule, the case's pixel budget). */
function resizeRaw(
  frames: Uint8Array[],
  height: number,
  width: number,
  settings: ReferenceCaseMeta['processor_settings'],
): { frames: Uint8Array[]; height: number; width: number } {
  const size = smartResize(height, width, {
    factor: settings.patch_size * settings.merge_size,
    minPixels: settings.min_pixels,
    maxPixels: settings.max_pixels,
    rule: 'transformers',
  });
  return {
    frames: frames.map((f) => resizeRgb(f, width, height, size.width, size.height)),
    height: size.height,
    width: size.width,
  };
}

/** `path` is the case without extension, e.g. ../shared/reference/qwen2_5_vl_tiny/cases/case_a. */
export function isReferenceCase(path: string): boolean {
  const base = path.replace(/\.(json|safetensors)$/, '');
  return existsSync(`${base}.json`) && existsSync(`${base}.safetensors`);
}

export function loadCaseChat(path: string, source: CaseFrames): CaseChat {
  const base = path.replace(/\.(json|safetensors)$/, '');
  const meta: ReferenceCaseMeta = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
  const tensors = readAll(new Uint8Array(readFileSync(`${base}.safetensors`)), `${base}.safetensors`);
  const settings = meta.processor_settings;
  const pick = (resizedKey: string, rawKey: string) => {
    const key = source === 'resized' ? resizedKey : rawKey;
    const t = tensorOf(tensors, key, base);
    // An image is [H, W, 3]: give it a frame axis.
    const framed: TypedTensor = t.shape.length === 3 ? ({ ...t, shape: [1, ...t.shape] } as TypedTensor) : t;
    const split = splitFrames(framed, key);
    return source === 'resized' ? split : resizeRaw(split.frames, split.height, split.width, settings);
  };

  const messages = meta.messages;
  const order = messages.flatMap((m) =>
    typeof m.content === 'string' ? [] : m.content.filter((p) => p.type !== 'text').map((p) => p.type),
  );
  const visuals: VisualInput[] = order.map((kind) => {
    if (kind === 'image') {
      const { frames, height, width } = pick('resized_image', 'image');
      return { kind, pixels: frames[0], width, height };
    }
    const { frames, height, width } = pick('resized_frames', 'frames');
    const sampleFps = Number(meta.processor_call.fps);
    if (!(sampleFps > 0)) throw new Error(`${base}: the processor call has no fps`);
    return { kind, frames, width, height, sampleFps };
  });
  const expected = tensorOf(tensors, 'generated_ids', base).data as BigInt64Array;
  return {
    name: base.split('/').pop()!,
    request: { messages, visuals, maxNewTokens: expected.length, temperature: 0 },
    expectedIds: Array.from(expected, Number),
    meta,
    tensors,
  };
}
