/**
 * The evidence check (issue 10): is an `<observation>` supported by the frames of the range its step cited?
 * The same model answers a yes/no question about the clip, and the score is P(yes) / (P(yes) + P(no)) at the
 * first answer token. The prompt, the answer words and the thresholds live here and nowhere else.
 *
 * The prompt (Qwen2.5-VL's default system prompt, then one user turn holding the clip and the question):
 *
 *     system: You are a helpful assistant.
 *     user:   <|vision_start|><|video_pad|><|vision_end|>Does the clip show: <observation>? Answer yes or no.
 *
 * The observation is trimmed and its trailing `.`/`!`/`?`/`;`/`:` dropped, so the question reads as one.
 */

import type { CitedRange } from '../preprocess/rewatch-clip.ts';
import type { TraceStep } from '../trace/trace-parser.ts';
import type { ChatMessage } from './chat-template.ts';

/** The verification prompt's system message (Qwen2.5-VL's own default, not ReWatch's: this is not a trace). */
export const EVIDENCE_SYSTEM_PROMPT = 'You are a helpful assistant.';

/** The question about the clip, for one observation. */
export function evidenceQuestion(observation: string): string {
  const claim = observation.trim().replace(/[\s.!?;:]+$/, '');
  if (!claim) throw new TypeError('the observation is empty');
  return `Does the clip show: ${claim}? Answer yes or no.`;
}

/** The verification chat: one video (the clip) and the question; the clip is its only visual. */
export function evidenceMessages(observation: string): ChatMessage[] {
  return [
    { role: 'system', content: EVIDENCE_SYSTEM_PROMPT },
    { role: 'user', content: [{ type: 'video' }, { type: 'text', text: evidenceQuestion(observation) }] },
  ];
}

/**
 * The first answer token's spellings counted as yes and as no. The answer starts right after
 * `<|im_start|>assistant\n`, so without a leading space; the spaced forms are counted too in case a model
 * opens with one. Only words the tokenizer writes as one token count ({@link answerTokenIds}).
 */
export const YES_WORDS = ['yes', 'Yes', 'YES', ' yes', ' Yes'];
export const NO_WORDS = ['no', 'No', 'NO', ' no', ' No'];

/** Token ids of the words that encode to exactly one token (deduplicated). */
export function answerTokenIds(encode: (word: string) => readonly number[], words: readonly string[]): number[] {
  const ids = new Set<number>();
  for (const word of words) {
    const encoded = encode(word);
    if (encoded.length === 1) ids.add(encoded[0]);
  }
  return [...ids];
}

/**
 * P(yes) / (P(yes) + P(no)) from one row of logits: the softmax restricted to the yes and no ids, each side
 * summed over its spellings (log-sum-exp, stable for any logit size).
 * @throws RangeError when either side has no ids or an id is outside the row.
 */
export function evidenceScore(logits: ArrayLike<number>, yesIds: readonly number[], noIds: readonly number[]): number {
  if (yesIds.length === 0 || noIds.length === 0)
    throw new RangeError('evidenceScore needs at least one yes id and one no id');
  for (const id of [...yesIds, ...noIds])
    if (!(id >= 0 && id < logits.length))
      throw new RangeError(`token id ${id} is outside the logits row (${logits.length})`);
  let max = -Infinity;
  for (const id of [...yesIds, ...noIds]) max = Math.max(max, logits[id]);
  const mass = (ids: readonly number[]) => ids.reduce((sum, id) => sum + Math.exp(logits[id] - max), 0);
  const yes = mass(yesIds);
  return yes / (yes + mass(noIds));
}

export type Verdict = 'supported' | 'unclear' | 'unsupported';

/** Score and verdict of the first answer position's logits; `encode` is the tokenizer's (no special tokens). */
export function judgeAnswer(
  logits: ArrayLike<number>,
  encode: (word: string) => readonly number[],
): { score: number; verdict: Verdict } {
  const score = evidenceScore(logits, answerTokenIds(encode, YES_WORDS), answerTokenIds(encode, NO_WORDS));
  return { score, verdict: verdict(score) };
}

/**
 * Thresholds of {@link verdict}: a score of at least SUPPORTED_AT is supported, at most UNSUPPORTED_AT is not
 * supported, between them unclear. Symmetric around chance (0.5); the model is not calibrated for this, so
 * the middle band is wide. Tune here.
 */
export const SUPPORTED_AT = 0.65;
export const UNSUPPORTED_AT = 0.35;

/** @throws RangeError on a score outside [0, 1] (or NaN). */
export function verdict(score: number): Verdict {
  if (!(score >= 0 && score <= 1)) throw new RangeError(`an evidence score is in [0, 1], got ${score}`);
  if (score >= SUPPORTED_AT) return 'supported';
  if (score <= UNSUPPORTED_AT) return 'unsupported';
  return 'unclear';
}

/** An observation to check, and the time or range whose frames it is checked against. */
export interface ObservationToCheck {
  /** Index of the observation in the steps. */
  step: number;
  observation: string;
  cited: CitedRange;
}

/**
 * The observations of a trace that can be checked: each closed, non-empty `<observation>` with the first time
 * cited by the `<action>` right before it (since the previous observation), or else by the observation's own
 * text. Observations citing no time anywhere are left out (there is no range to show the model).
 */
export function observationsToCheck(steps: readonly TraceStep[]): ObservationToCheck[] {
  const out: ObservationToCheck[] = [];
  let actionTime: CitedRange | undefined;
  steps.forEach((step, i) => {
    if (step.kind === 'action') {
      actionTime = step.times[0] ?? actionTime;
    } else if (step.kind === 'observation') {
      const time = actionTime ?? step.times[0];
      actionTime = undefined;
      if (time && step.closed && step.text) {
        out.push({
          step: i,
          observation: step.text,
          cited: time.end === undefined ? { start: time.start } : { start: time.start, end: time.end },
        });
      }
    }
  });
  return out;
}
