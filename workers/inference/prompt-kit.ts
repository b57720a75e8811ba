/**
 * Everything a model folder contributes to a prompt without running a graph: its config (settings), the
 * tokenizer (transformers.js', built from tokenizer.json) and the chat template. Parity checks the computed
 * inputs with it alone; LoadedModel opens the graphs on top of it.
 */
import { PreTrainedTokenizer } from '@huggingface/transformers';
import { readJson, readOptionalJson, readText, type ModelFolder } from './model-folder.ts';
import { modelSettings, type ModelSettings } from './model-settings.ts';

export interface PromptKit {
  /** config.json as written by the converter. */
  config: Record<string, unknown>;
  settings: ModelSettings;
  tokenizer: PreTrainedTokenizer;
  chatTemplate: string;
}

async function chatTemplateOf(folder: ModelFolder, tokenizerConfig: Record<string, unknown>): Promise<string> {
  if (typeof tokenizerConfig.chat_template === 'string') return tokenizerConfig.chat_template;
  const json = await readOptionalJson(folder, 'chat_template.json');
  if (typeof json?.chat_template === 'string') return json.chat_template;
  if (await folder.read('chat_template.jinja')) return readText(folder, 'chat_template.jinja');
  throw new Error(
    `${folder.label} has no chat template (tokenizer_config.json, chat_template.json or chat_template.jinja)`,
  );
}

export async function loadPromptKit(folder: ModelFolder): Promise<PromptKit> {
  const config = await readJson(folder, 'config.json');
  const settings = modelSettings(
    config,
    await readJson(folder, 'preprocessor_config.json'),
    await readOptionalJson(folder, 'generation_config.json'),
  );
  const tokenizerConfig = await readJson(folder, 'tokenizer_config.json');
  const tokenizer = new PreTrainedTokenizer(await readJson(folder, 'tokenizer.json'), tokenizerConfig);
  return { config, settings, tokenizer, chatTemplate: await chatTemplateOf(folder, tokenizerConfig) };
}
