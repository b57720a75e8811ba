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
import {
  evidenceMessages,
  evidenceQuestion,
  judgeAnswer,
  type Verdict,
} from '../../src/lib/generation/evidence-check.ts';
import type { CitedRange, ClipPlan } from '../../src/lib/preprocess/rewatch-clip.ts';
import type { AskResult, ChatRequest, VisualInput } from '../../src/lib/protocol/inference-protocol.ts';
import type { LoadedModel } from './loaded-model.ts';
import { ChatSession, Generation, type RunControl } from './run-chat.ts';

/** A re-watch's frames: the clip plan's span and timing, and the frames at the model's input size (RGB uint8). */
export interface VideoClip extends Pick<ClipPlan, 'start' | 'end' | 'clamped' | 'note' | 'times' | 'sampleFps'> {
  width: number;
  height: number;
  frames: Uint8Array[];
}

/** One re-watch that happened: what was cited, what was shown, and the exact text inserted with it. */
export interface Rewatch {
  /** The action's text and the time it cited (seconds, `end` absent for a single time). */
  action: string;
  cited: CitedRange;
  /** The span shown (inside the video), whether it was clamped (with a note for a person), frame times and rate. */
  start: number;
  end: number;
  clamped: boolean;
  note?: string;
  times: number[];
  sampleFps: number;
  /** The text appended with the clip (one video placeholder). */
  inserted: string;
  /**
   * Offset in the result's text where the clip went: right after the action's `</action>` (for a forced
   * prefix holding several actions, after the whole prefix).
   */
  at: number;
}

export interface GroundedOptions {
  /** At most this many re-watches per answer; later cited actions are left as text. */
  maxRewatches: number;
  /** The frames of a cited time or range (plan them with planClip; cache them per range if wanted). */
  clipFrames: (cited: CitedRange) => Promise<VideoClip>;
  /**
   * Test hook (the tiny models never write actions): assistant text appended through `Generation.append` once
   * `forcedAfterTokens` tokens (default 0) have been generated, read by the pause rule as if generated.
   */
  forcedPrefix?: string;
  forcedAfterTokens?: number;
  /** After each clip has been appended (the generation's `logits` are then those after the insertion). */
  onRewatch?: (rewatch: Rewatch, generation: Generation) => void;
}

/** runChat's result plus the re-watches. `text` holds the forced prefix (if any); `tokenIds` only sampled ids. */
export interface GroundedResult extends AskResult {
  rewatches: Rewatch[];
}

/** The clip as the model's input (a video visual). */
export function clipVisual(clip: Pick<VideoClip, 'width' | 'height' | 'frames' | 'sampleFps'>): VisualInput {
  return { kind: 'video', width: clip.width, height: clip.height, frames: clip.frames, sampleFps: clip.sampleFps };
}

/** One answer with grounded re-watches; see the module comment. */
export async function runGrounded(
  session: ChatSession,
  request: ChatRequest,
  control: RunControl,
  options: GroundedOptions,
): Promise<GroundedResult> {
  let text = '';
  const generation = await Generation.start(session, request, {
    ...control,
    onToken: (piece) => {
      text += piece;
      control.onToken?.(piece);
    },
  });
  const rewatches: Rewatch[] = [];
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
      const rewatch: Rewatch = {
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
export interface EvidenceResult {
  observation: string;
  /** The question the model was asked (evidence-check.ts evidenceQuestion). */
  question: string;
  /** P(yes) / (P(yes) + P(no)) at the first answer token, in [0, 1]. */
  score: number;
  verdict: Verdict;
}

/**
 * Scores `observation` against `clip` with the verification prompt. With a LoadedModel it runs in a fresh
 * ChatSession whose KV cache is released afterwards (the model stays loaded, any other session untouched);
 * with a ChatSession (a checker kept for several checks) it runs there, replacing that session's context.
 * Null when stopped.
 */
export async function checkEvidence(
  target: LoadedModel | ChatSession,
  observation: string,
  clip: Pick<VideoClip, 'width' | 'height' | 'frames' | 'sampleFps'>,
  control: RunControl = { shouldStop: () => false },
): Promise<EvidenceResult | null> {
  const question = evidenceQuestion(observation);
  const session = target instanceof ChatSession ? target : new ChatSession(target);
  try {
    const generation = await Generation.start(
      session,
      { messages: evidenceMessages(observation), visuals: [clipVisual(clip)], maxNewTokens: 1 },
      control,
    );
    const logits = generation.logits;
    if (!logits) return null;
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
