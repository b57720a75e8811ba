/**
 * Everything about a prompt that needs no model run: the rendered chat template, token ids with the vision
 * pads expanded, each visual's patches and grid, and the M-RoPE position ids with Qwen2.5-VL's absolute-time
 * scaling. All of it comes from src/lib, so it matches the reference processor exactly.
 */
import type { ChatRequest, VisualInput } from '../../src/lib/protocol/inference-protocol.ts';
import { renderChatTemplate } from '../../src/lib/generation/chat-template.ts';
import { patchify, type Patches, type PatchifyOptions } from '../../src/lib/preprocess/patchify.ts';
import { ropeIndex } from '../../src/lib/preprocess/rope-index.ts';
import { secondPerGridT } from '../../src/lib/preprocess/video-sampling.ts';
import { expandVisionPadIds, visionTokenCount } from '../../src/lib/preprocess/vision-tokens.ts';
import type { VisionSettings } from './model-settings.ts';
import type { PromptKit } from './prompt-kit.ts';

export interface PreparedVisual {
  kind: VisualInput['kind'];
  patches: Patches;
  /** Frames that went into the patches (1 for an image). */
  frames: number;
  /** Videos only: temporal_patch_size / sample_fps. */
  secondPerGridT?: number;
}

export interface PreparedChat {
  /** The prompt with every pad expanded. */
  inputIds: number[];
  visuals: PreparedVisual[];
  /** Rows t, h, w, each inputIds.length long. */
  positionIds: [Int32Array, Int32Array, Int32Array];
  ropeDelta: number;
  /** Vision pad tokens in the prompt (all visuals). */
  visualTokens: number;
}

function patchifyOptions(vision: VisionSettings): PatchifyOptions {
  return {
    temporalPatchSize: vision.temporalPatchSize,
    patchSize: vision.patchSize,
    mergeSize: vision.mergeSize,
    mean: vision.imageMean,
    std: vision.imageStd,
  };
}

function prepareVisual(visual: VisualInput, vision: VisionSettings): PreparedVisual {
  const options = patchifyOptions(vision);
  if (visual.kind === 'image') {
    return { kind: 'image', patches: patchify([visual.pixels], visual.width, visual.height, options), frames: 1 };
  }
  if (!(visual.sampleFps > 0)) throw new TypeError(`a video's sampleFps must be positive, got ${visual.sampleFps}`);
  return {
    kind: 'video',
    patches: patchify(visual.frames, visual.width, visual.height, options),
    frames: visual.frames.length,
    secondPerGridT: secondPerGridT(visual.sampleFps, vision.temporalPatchSize),
  };
}

/** @throws TypeError / RangeError on inputs that do not fit the prompt or the model (bad input). */
export function prepareChat(
  kit: Pick<PromptKit, 'tokenizer' | 'chatTemplate' | 'settings'>,
  request: ChatRequest,
): PreparedChat {
  return prepareText(
    kit,
    renderChatTemplate(kit.chatTemplate, request.messages, { addGenerationPrompt: true }),
    request.visuals,
  );
}

/**
 * Any text with one pad placeholder per visual (`<|vision_start|><|video_pad|><|vision_end|>`), e.g. more
 * context appended after generating: ids, patches and positions, the positions starting at `startPosition`
 * (the context's next text position), as they would in one prompt holding everything before it.
 * @throws TypeError / RangeError on inputs that do not fit the prompt or the model (bad input).
 */
export function prepareText(
  kit: Pick<PromptKit, 'tokenizer' | 'settings'>,
  text: string,
  visualInputs: readonly VisualInput[],
  startPosition = 0,
): PreparedChat {
  const { vision } = kit.settings;
  const visuals = visualInputs.map((v) => prepareVisual(v, vision));
  const imageGrids = visuals.filter((v) => v.kind === 'image').map((v) => v.patches.grid);
  const videos = visuals.filter((v) => v.kind === 'video');
  const videoGrids = videos.map((v) => v.patches.grid);
  // Tokenize with one pad per visual and expand the ids: tokenizing 12k pad tokens would be slow.
  const shortIds = kit.tokenizer.encode(text, { add_special_tokens: false });
  const inputIds = expandVisionPadIds(shortIds, {
    imageGrids,
    videoGrids,
    mergeSize: vision.mergeSize,
    imageTokenId: vision.imageTokenId,
    videoTokenId: vision.videoTokenId,
  });
  const { positionIds, ropeDelta } = ropeIndex(inputIds, {
    imageGrids,
    videoGrids,
    secondPerGridTs: videos.map((v) => v.secondPerGridT ?? 0),
    tokensPerSecond: vision.tokensPerSecond,
    spatialMergeSize: vision.mergeSize,
    imageTokenId: vision.imageTokenId,
    videoTokenId: vision.videoTokenId,
    visionStartTokenId: vision.visionStartTokenId,
    startPosition,
  });
  const visualTokens = visuals.reduce((sum, v) => sum + visionTokenCount(v.patches.grid, vision.mergeSize), 0);
  return { inputIds, visuals, positionIds, ropeDelta, visualTokens };
}
