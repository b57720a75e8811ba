/**
 * Helpers of the loop's exactness tests (run-chat.test.ts, grounded-run.test.ts): a prepared prompt as one
 * segment with its visuals encoded, M-RoPE positions of a whole sequence from one independent rope-index
 * pass, and the largest difference between two rows of logits. Tests only.
 */
import type { ChatRequest } from '../../src/lib/protocol/inference-protocol.ts';
import { ropeIndex } from '../../src/lib/preprocess/rope-index.ts';
import { DecoderContext, type Segment } from './decoder-context.ts';
import type { LoadedModel } from './loaded-model.ts';
import { prepareChat, type PreparedVisual } from './prepare-chat.ts';

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A whole prepared prompt as one segment, its visuals' features encoded. */
export async function promptSegment(model: LoadedModel, request: ChatRequest): Promise<Segment> {
  const prepared = prepareChat(model.kit, request);
  return segmentOf(
    model,
    prepared.inputIds,
    prepared.positionIds,
    prepared.visuals.map((v) => v.patches),
  );
}

export async function segmentOf(
  model: LoadedModel,
  ids: number[],
  positions: Segment['positions'],
  patches: { pixelValues: Float32Array; grid: [number, number, number] }[],
): Promise<Segment> {
  const { imageTokenId, videoTokenId } = model.settings.vision;
  const starts = ids.flatMap((id, i) => ((id === imageTokenId || id === videoTokenId) && ids[i - 1] !== id ? [i] : []));
  const visuals = [];
  for (const [v, p] of patches.entries())
    visuals.push({ start: starts[v], rows: (await model.encodeVisual(p))!, key: `v${v}` });
  return { ids, positions, visuals };
}

/** Positions of `ids` (every pad expanded) holding `visuals` in order, by one rope-index pass from position 0. */
export function wholeSequencePositions(
  model: LoadedModel,
  ids: number[],
  visuals: PreparedVisual[],
): Segment['positions'] {
  const vision = model.settings.vision;
  const videos = visuals.filter((v) => v.kind === 'video');
  return ropeIndex(ids, {
    imageGrids: visuals.filter((v) => v.kind === 'image').map((v) => v.patches.grid),
    videoGrids: videos.map((v) => v.patches.grid),
    secondPerGridTs: videos.map((v) => v.secondPerGridT!),
    tokensPerSecond: vision.tokensPerSecond,
    spatialMergeSize: vision.mergeSize,
    imageTokenId: vision.imageTokenId,
    videoTokenId: vision.videoTokenId,
    visionStartTokenId: vision.visionStartTokenId,
  }).positionIds;
}

/** One cold prefill of a whole sequence (positions by {@link wholeSequencePositions}): its last logits and next position. */
export async function coldPrefill(
  model: LoadedModel,
  ids: number[],
  visuals: PreparedVisual[],
): Promise<{ logits: Float32Array; nextPosition: number }> {
  const context = new DecoderContext(model);
  const segment = await segmentOf(
    model,
    ids,
    wholeSequencePositions(model, ids, visuals),
    visuals.map((v) => v.patches),
  );
  const logits = (await context.feed(segment, { chunkTokens: 64 }))!;
  const nextPosition = context.nextPosition;
  context.release();
  return { logits, nextPosition };
}
