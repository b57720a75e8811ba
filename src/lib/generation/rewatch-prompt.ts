/**
 * The ReWatch-R1 prompt: its system prompt (kept here and nowhere else), the MM:SS time format the model was
 * trained on, and the chat messages for one question about one video.
 */

import type { ChatMessage } from './chat-template.ts';

/**
 * ReWatch-R1's system prompt. Everything up to "When you have enough information to determine the final
 * answer, " is the public text, verbatim. The rest of the original is not public: the ending below (answer
 * inside <answer> </answer>, which is the format the model emits) is ours. This is the one place to correct
 * it if the original becomes known.
 */
export const REWATCH_SYSTEM_PROMPT =
  'You are a video understanding expert. You are given a video and a question. You need to answer the question ' +
  'based on the video content. Please answer the question step by step. When you need more video details, you ' +
  'will re-watch the relevant clips and use <action> and </action> to mark the actions, and use <observation> ' +
  'and </observation> to mark the visual details you observe. When you have enough information to determine ' +
  'the final answer, ' +
  'you will put the final answer inside <answer> and </answer>.';

const pad2 = (n: number): string => String(n).padStart(2, '0');

function checkSeconds(seconds: number): void {
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new TypeError(`seconds must be a finite number >= 0, got ${seconds}`);
}

/**
 * A time as the model reads and writes it: MM:SS, or H:MM:SS from one hour on. Fractions are dropped (a frame
 * at 5.9 s is in second 00:05).
 * @throws TypeError on a negative or non-finite time.
 */
export function formatTimestamp(seconds: number): string {
  checkSeconds(seconds);
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const mmss = `${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/**
 * The video's span for the prompt, `00:00-MM:SS` (ReWatch-R1: "You must provide the duration of the video in
 * the prompt (for example, 00:00-10:00)"). The end is rounded to the nearest second, so a 9.98 s clip reads
 * 00:10; past an hour both ends use H:MM:SS (0:00:00-1:02:03) to keep one format per range.
 * @throws TypeError on a negative or non-finite duration.
 */
export function formatDuration(durationSeconds: number): string {
  checkSeconds(durationSeconds);
  const end = Math.round(durationSeconds);
  return end >= 3600 ? `0:00:00-${formatTimestamp(end)}` : `00:00-${formatTimestamp(end)}`;
}

/**
 * The chat for one question about one video: the ReWatch system prompt, then a user turn holding the video
 * followed by the text
 *
 *     Video duration: 00:00-MM:SS
 *     Question: <question>
 *
 * (the layout the reference cases use: duration first so timestamps in the question can be read against it).
 * @throws TypeError on an empty question or a bad duration.
 */
export function buildReWatchMessages(question: string, durationSeconds: number): ChatMessage[] {
  const q = question.trim();
  if (!q) throw new TypeError('question must not be empty');
  return [
    { role: 'system', content: REWATCH_SYSTEM_PROMPT },
    {
      role: 'user',
      content: [
        { type: 'video' },
        { type: 'text', text: `Video duration: ${formatDuration(durationSeconds)}\nQuestion: ${q}` },
      ],
    },
  ];
}
