import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import {
  allReferenceCases,
  loadReferenceCase,
  referenceModelDir,
  referenceGrids,
} from '../../../tests/support/reference.ts';
import { renderChatTemplate } from './chat-template.ts';
import { expandVisionPadIds, expandVisionPads } from '../preprocess/vision-tokens.ts';

function templates(model: string): Record<string, string> {
  const dir = referenceModelDir(model);
  return {
    'tokenizer_config.json': JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')).chat_template,
    'chat_template.json': JSON.parse(readFileSync(join(dir, 'chat_template.json'), 'utf8')).chat_template,
  };
}

const tokenizers = new Map<string, Promise<PreTrainedTokenizer>>();

/** transformers.js' tokenizer from the reference model folder, offline; loaded once per model (about 2 s). */
function localTokenizer(model: string): Promise<PreTrainedTokenizer> {
  let t = tokenizers.get(model);
  if (!t) {
    env.allowRemoteModels = false;
    env.localModelPath = `${dirname(referenceModelDir(model))}/`;
    t = AutoTokenizer.from_pretrained('model', { local_files_only: true });
    tokenizers.set(model, t);
  }
  return t;
}

describe('renderChatTemplate reproduces prompt_text of every case', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${model}/${name}: byte for byte, from both template files`, () => {
      const c = loadReferenceCase(model, name);
      for (const [file, template] of Object.entries(templates(model))) {
        expect(renderChatTemplate(template, c.meta.messages, { addGenerationPrompt: true }), file).toBe(
          c.meta.prompt_text,
        );
      }
    });
  }

  it('leaves the assistant header out without addGenerationPrompt', () => {
    const [{ model }] = allReferenceCases();
    const text = renderChatTemplate(templates(model)['chat_template.json'], [{ role: 'user', content: 'hi' }]);
    expect(text).toBe('<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n');
  });
});

describe('rendered prompt -> transformers.js tokenizer -> expanded pads = input_ids', () => {
  for (const { model, name } of allReferenceCases()) {
    it(`${model}/${name}`, async () => {
      const c = loadReferenceCase(model, name);
      const tokenizer = await localTokenizer(model);
      const config = JSON.parse(readFileSync(join(referenceModelDir(model), 'config.json'), 'utf8'));
      const visual = {
        imageGrids: referenceGrids(c, 'image_grid_thw'),
        videoGrids: referenceGrids(c, 'video_grid_thw'),
        mergeSize: config.vision_config.spatial_merge_size,
      };
      const want = Array.from(c.tensors.get('input_ids')!.data as BigInt64Array, Number);
      const prompt = renderChatTemplate(templates(model)['tokenizer_config.json'], c.meta.messages, {
        addGenerationPrompt: true,
      });

      // Expanding the text first, as the processor does ...
      expect(tokenizer.encode(expandVisionPads(prompt, visual), { add_special_tokens: false })).toEqual(want);
      // ... or the ids after tokenizing one pad per block: the same ids.
      const ids = tokenizer.encode(prompt, { add_special_tokens: false });
      expect(
        expandVisionPadIds(ids, {
          ...visual,
          imageTokenId: config.image_token_id,
          videoTokenId: config.video_token_id,
        }),
      ).toEqual(want);
    });
  }
});
