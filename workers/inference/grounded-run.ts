/**
 * Grounded re-watch and the evidence check (issue 10) on the project's generation loop (run-chat.ts).
 *
 * runGrounded: generates as runChat does, but right after the model closes an `<action>` that cites a time
 * or range (src/lib/generation/grounded-rewatch.ts citedAction), it pauses, asks the caller for that range's
 * frames (planned with src/lib/preprocess/rewatch-clip.ts planClip, decoded by the frames worker or ffmpeg),
 * appends them with the wording of grounded-rewatch.ts rewatchText through `Generation.append` (M-RoPE
 * positions continuing the context's, time scaled by the clip's own sample rate), and resumes: the model then
 * writes its `<observation>` having seen the frames. At most `maxRewatches` per answer; Stop is checked before
 * and after fetching the frames, and append/next honour it as everywhere else.
 *
 * checkEvidence: the verification prompt of src/lib/generation/evidence-check.ts over a clip, as a cold run
 * in its own DecoderContext on the same LoadedModel (the caller's conversation and KV cache are untouched),
 * scored from the logits of the first answer position.
 */
import { afterLastAction, citedAction, rewatchText } from '../../src/lib/generation/grounded-rewatch.ts';
import { evidenceMessages, evidenceQuestion, judgeAnswer } from '../../src/lib/generation/evidence-check.ts';
import { CLIP_MAX_FRAMES, type CitedRange } from '../../src/lib/preprocess/rewatch-clip.ts';
import type {
  AskResult,
  ChatRequest,
  ClipSource,
  EvidenceCheck,
  GroundedRequest,
  RewatchClip,
  VisualInput,
} from '../../src/lib/protocol/inference-protocol.ts';
import type { RewatchEvidence } from '../../src/lib/trace/trace-evidence.ts';
import type { LoadedModel } from './loaded-model.ts';
import { ChatSession, Generation, type RunControl } from './run-chat.ts';

/**
 * The limit and test hook of the request (inference-protocol.ts GroundedRequest: a forced prefix is appended
 * through `Generation.append` and read by the pause rule as if generated), and the clip source.
 */
export interface GroundedOptions extends GroundedRequest {
  /**
   * The frames of a cited time or range (plan them with planClip; cache them per range if wanted); null when
   * the run was stopped while they were decoded.
   */
  clipFrames: ClipSource;
  /** After each clip has been appended (the generation's `logits` are then those after the insertion). */
  onRewatch?: (rewatch: RewatchEvidence, generation: Generation) => void;
}

/** The clip as the model's input (a video visual). */
export function clipVisual(clip: Pick<RewatchClip, 'width' | 'height' | 'frames' | 'sampleFps'>): VisualInput {
  return { kind: 'video', width: clip.width, height: clip.height, frames: clip.frames, sampleFps: clip.sampleFps };
}

/** An upper bound on the tokens of rewatchText's words (about 20 with Qwen's tokenizer). */
const REWATCH_TEXT_TOKENS = 48;

/**
 * Tokens one re-watch can append: a clip of at most CLIP_MAX_FRAMES frames at the prompt video's frame size
 * (the page decodes clips at the same pixel budget), plus its inserted text.
 */
function rewatchTokens(model: LoadedModel, request: ChatRequest): number {
  const video = request.visuals.find((v) => v.kind === 'video');
  if (!video) return 0;
  const { patchSize, mergeSize, temporalPatchSize } = model.settings.vision;
  const unit = patchSize * mergeSize;
  const perStep = Math.ceil(video.height / unit) * Math.ceil(video.width / unit);
  return Math.ceil(CLIP_MAX_FRAMES / temporalPatchSize) * perStep + REWATCH_TEXT_TOKENS;
}

/** One answer with grounded re-watches; see the module comment. */
export async function runGrounded(
  session: ChatSession,
  request: ChatRequest,
  control: RunControl,
  options: GroundedOptions,
): Promise<AskResult> {
  let text = '';
  const generation = await Generation.start(
    session,
    request,
    {
      ...control,
      onToken: (piece) => {
        text += piece;
        control.onToken?.(piece);
      },
    },
    options.maxRewatches * rewatchTokens(session.model, request) + (options.forcedPrefix?.length ?? 0),
  );
  const rewatches: RewatchEvidence[] = [];
  let forced = options.forcedPrefix;
  /** Where the pause rule looks for the next `</action>`. */
  let from = 0;
  const nextAction = () => {
    const action = rewatches.length < options.maxRewatches ? citedAction(text, from) : null;
    from = action ? action.end : afterLastAction(text);
    return action;
  };
  while (!generation.ended) {
    if (forced !== undefined && generation.ids.length >= (options.forcedAfterTokens ?? 0)) {
      if (!(await generation.append({ text: forced }))) break;
      text += forced;
      control.onToken?.(forced);
      forced = undefined;
    }
    // Every action closed since the last look (a forced prefix may hold several), each clip right after the text so far.
    for (let action = nextAction(); action && !generation.ended; action = nextAction()) {
      const cited: CitedRange =
        action.time.end === undefined
          ? { start: action.time.start }
          : { start: action.time.start, end: action.time.end };
      if (control.shouldStop()) generation.stop();
      const clip = generation.ended ? null : await options.clipFrames(cited);
      if (!clip || control.shouldStop()) {
        generation.stop();
        break;
      }
      const inserted = rewatchText({
        start: clip.start,
        end: clip.end,
        frames: clip.frames.length,
        sampleFps: clip.sampleFps,
        clamped: clip.clamped,
      });
      // `at`: offset in the text so far; after a forced prefix holding several actions, after the whole prefix.
      const rewatch: RewatchEvidence = {
        action: action.text,
        cited,
        start: clip.start,
        end: clip.end,
        clamped: clip.clamped,
        times: clip.times.slice(),
        sampleFps: clip.sampleFps,
        inserted,
        at: text.length,
      };
      if (clip.note !== undefined) rewatch.note = clip.note;
      rewatches.push(rewatch);
      if (await generation.append({ text: inserted, visuals: [clipVisual(clip)] }))
        options.onRewatch?.(rewatch, generation);
    }
    if (generation.ended) break;
    if ((await generation.next()) === null) break;
    if (generation.ended === null && control.shouldStop()) generation.stop();
  }
  const result = generation.result();
  return { ...result, text, rewatches };
}

/** One observation checked against a clip. */
export interface EvidenceResult extends EvidenceCheck {
  observation: string;
}

/**
 * Scores `observation` against `clip` with the verification prompt. With a LoadedModel it runs in a fresh
 * ChatSession whose KV cache is released afterwards (the model stays loaded, any other session untouched);
 * with a ChatSession (a checker kept for several checks) it runs there, replacing that session's context.
 * `features`: a session whose vision features the check reuses (the conversation, holding the clips grounded
 * re-watch appended) and that keeps the clip's features for later checks. Null when stopped.
 */
export async function checkEvidence(
  target: LoadedModel | ChatSession,
  observation: string,
  clip: Pick<RewatchClip, 'width' | 'height' | 'frames' | 'sampleFps'>,
  control: RunControl = { shouldStop: () => false },
  features?: ChatSession,
): Promise<EvidenceResult | null> {
  const question = evidenceQuestion(observation);
  const session = target instanceof ChatSession ? target : new ChatSession(target);
  if (features) session.addFeatures(features.features);
  try {
    const generation = await Generation.start(
      session,
      { messages: evidenceMessages(observation), visuals: [clipVisual(clip)], maxNewTokens: 1 },
      control,
    );
    const logits = generation.logits;
    if (!logits) return null;
    features?.addFeatures(session.features);
    const { tokenizer } = session.model.kit;
    return {
      observation,
      question,
      ...judgeAnswer(logits, (word) => tokenizer.encode(word, { add_special_tokens: false })),
    };
  } finally {
    if (session !== target) session.context.release();
  }
}
