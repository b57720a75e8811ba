import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceModelDir, referenceModels } from '../../../tests/support/reference.ts';
import { renderChatTemplate } from './chat-template.ts';
import { buildReWatchMessages, formatDuration, formatTimestamp, REWATCH_SYSTEM_PROMPT } from './rewatch-prompt.ts';

const PUBLIC_BEGINNING =
  'You are a video understanding expert. You are given a video and a question. You need to answer the question based on the video content. Please answer the question step by step. When you need more video details, you will re-watch the relevant clips and use <action> and </action> to mark the actions, and use <observation> and </observation> to mark the visual details you observe. When you have enough information to determine the final answer, ';

describe('ReWatch system prompt', () => {
  it('starts with the public text verbatim and asks for <answer> </answer>', () => {
    expect(REWATCH_SYSTEM_PROMPT.startsWith(PUBLIC_BEGINNING)).toBe(true);
    expect(REWATCH_SYSTEM_PROMPT.slice(PUBLIC_BEGINNING.length)).toMatch(/<answer>.*<\/answer>\.$/);
  });
});

describe('formatTimestamp / formatDuration', () => {
  it('MM:SS below an hour, H:MM:SS from an hour on, fractions dropped', () => {
    expect([0, 5.9, 59, 60, 125, 599.99, 3599, 3600, 3723, 36000].map(formatTimestamp)).toEqual([
      '00:00',
      '00:05',
      '00:59',
      '01:00',
      '02:05',
      '09:59',
      '59:59',
      '1:00:00',
      '1:02:03',
      '10:00:00',
    ]);
  });

  it('renders the span with the end rounded to the nearest second', () => {
    expect(formatDuration(4)).toBe('00:00-00:04');
    expect(formatDuration(600)).toBe('00:00-10:00');
    expect(formatDuration(9.98)).toBe('00:00-00:10');
    expect(formatDuration(3599.4)).toBe('00:00-59:59');
    expect(formatDuration(3723.2)).toBe('0:00:00-1:02:03');
  });

  it('rejects negative and non-finite times', () => {
    expect(() => formatTimestamp(-1)).toThrow(TypeError);
    expect(() => formatDuration(Number.NaN)).toThrow(TypeError);
  });
});

describe('buildReWatchMessages', () => {
  it('builds system + user(video, text) and renders through the checkpoint template', () => {
    const messages = buildReWatchMessages('  What happened from [05:00] to [05:10]? ', 612.4);
    expect(messages).toEqual([
      { role: 'system', content: REWATCH_SYSTEM_PROMPT },
      {
        role: 'user',
        content: [
          { type: 'video' },
          { type: 'text', text: 'Video duration: 00:00-10:12\nQuestion: What happened from [05:00] to [05:10]?' },
        ],
      },
    ]);
    for (const model of referenceModels()) {
      const template = JSON.parse(
        readFileSync(join(referenceModelDir(model), 'chat_template.json'), 'utf8'),
      ).chat_template;
      expect(renderChatTemplate(template, messages, { addGenerationPrompt: true })).toBe(
        `<|im_start|>system\n${REWATCH_SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>` +
          'Video duration: 00:00-10:12\nQuestion: What happened from [05:00] to [05:10]?<|im_end|>\n<|im_start|>assistant\n',
      );
    }
  });

  it('rejects an empty question', () => {
    expect(() => buildReWatchMessages('   ', 10)).toThrow(/question/);
  });
});
