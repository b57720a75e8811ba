/**
 * Helpers of the loop's exactness tests (run-chat.test.ts, grounded-run.test.ts, and the browser's
 * tests/pages/evidence-cold.worker.ts): a prepared prompt as one segment with its visuals encoded, M-RoPE
 * positions of a whole sequence from one independent rope-index pass, the largest difference between two rows
 * of logits, and an evidence score computed from a cold run. Tests only.
 */
import { evidenceMessages, NO_WORDS, YES_WORDS } from '../../src/lib/generation/evidence-check.ts';
import type { ChatRequest, RewatchClip } from '../../src/lib/protocol/inference-protocol.ts';
import { ropeIndex } from '../../src/lib/preprocess/rope-index.ts';
import { DecoderContext, type Segment } from './decoder-context.ts';
import { clipVisual } from './grounded-run.ts';
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

/**
 * The evidence score of `observation` against `clip` by a cold, separate run: the verification prompt prefilled
 * at once in a fresh context, then softmax over the yes and no words that are one token each, written out here
 * independently of evidence-check.ts evidenceScore.
 */
export async function coldEvidenceScore(
  model: LoadedModel,
  observation: string,
  clip: Pick<RewatchClip, 'width' | 'height' | 'frames' | 'sampleFps'>,
): Promise<{ score: number; yesIds: number[]; noIds: number[] }> {
  const context = new DecoderContext(model);
  const segment = await promptSegment(model, { messages: evidenceMessages(observation), visuals: [clipVisual(clip)] });
  const logits = (await context.feed(segment, { chunkTokens: segment.ids.length }))!;
  context.release();
  const single = (words: string[]) => [
    ...new Set(
      words
        .map((w) => model.kit.tokenizer.encode(w, { add_special_tokens: false }))
        .filter((ids) => ids.length === 1)
        .map(([id]) => id),
    ),
  ];
  const [yesIds, noIds] = [single(YES_WORDS), single(NO_WORDS)];
  const mass = (ids: number[]) => ids.reduce((sum, id) => sum + Math.exp(logits[id]), 0);
  return { score: mass(yesIds) / (mass(yesIds) + mass(noIds)), yesIds, noIds };
}
