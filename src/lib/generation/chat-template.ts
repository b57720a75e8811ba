/**
 * Renders a chat through the checkpoint's own Jinja chat template (tokenizer_config.json `chat_template` or
 * chat_template.json), so the prompt is byte-identical to what transformers' `apply_chat_template` produces.
 * Pure: the caller supplies the template string.
 */

import { Template } from '@huggingface/jinja';

/** One item of a multimodal message; a visual item stands for one `<|vision_start|>..pad..<|vision_end|>` block. */
export type ContentItem = { type: 'text'; text: string } | { type: 'video' } | { type: 'image' };

/** A chat message in the Hugging Face format. */
export interface ChatMessage {
  /** Who speaks. */
  role: 'system' | 'user' | 'assistant';
  /** Plain text, or items in prompt order. */
  content: string | ContentItem[];
}

/** Options of {@link renderChatTemplate}. */
export interface RenderOptions {
  /** Append the assistant header so the model answers next (true for generation). */
  addGenerationPrompt?: boolean;
}

/**
 * The rendered prompt text, with one pad token per visual block (expand them with vision-tokens.ts).
 * @throws Error from the Jinja parser when the template is malformed.
 */
export function renderChatTemplate(
  template: string,
  messages: readonly ChatMessage[],
  { addGenerationPrompt = false }: RenderOptions = {},
): string {
  return new Template(template).render({ messages, add_generation_prompt: addGenerationPrompt });
}
