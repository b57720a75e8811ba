import { describe, expect, it } from 'vitest';
import { pickedFolder } from './picked-folder.ts';

const blob = new Blob(['x']);
const folder = (...paths: string[]) => paths.map((path) => ({ path: `tiny/${path}`, file: blob }));
const graphs = (suffix: string) =>
  ['vision_encoder', 'embed_tokens', 'decoder_model_merged'].map((s) => `onnx/${s}${suffix}.onnx`);

describe('picked folder', () => {
  it('strips the top folder and picks the best complete dtype', () => {
    const picked = pickedFolder(folder('config.json', 'tokenizer.json', ...graphs(''), ...graphs('_q4')), [
      'shader-f16',
    ]);
    expect(picked.name).toBe('tiny');
    expect(picked.dtype).toBe('q4');
    expect(picked.source.files.map((f) => f.path)).toContain('onnx/embed_tokens_q4.onnx');
    expect(pickedFolder(folder('config.json', ...graphs(''), ...graphs('_q4f16')), ['shader-f16']).dtype).toBe('q4f16');
    expect(pickedFolder(folder('config.json', ...graphs(''), ...graphs('_q4f16')), []).dtype).toBe('fp32');
  });

  it('refuses a folder without config.json or without a complete graph set', () => {
    expect(() => pickedFolder(folder('tokenizer.json', ...graphs('_q4')), [])).toThrow(/"tiny" has no config.json/);
    expect(() => pickedFolder(folder('config.json', 'onnx/embed_tokens_q4.onnx'), [])).toThrow(
      /no complete set of graphs/,
    );
    expect(() => pickedFolder([], [])).toThrow(/empty/);
  });
});
