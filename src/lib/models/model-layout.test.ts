import { describe, expect, it } from 'vitest';
import {
  externalDataChunks,
  externalDataNames,
  layoutMarker,
  missingNames,
  onnxPath,
  requiredNames,
  tableRowsPerPart,
} from './model-layout.ts';

describe('model layout', () => {
  it('names graph files and their external weights as transformers.js does', () => {
    expect(onnxPath('decoder_model_merged', 'q4f16')).toBe('onnx/decoder_model_merged_q4f16.onnx');
    expect(onnxPath('vision_encoder', 'fp32')).toBe('onnx/vision_encoder.onnx');
    expect(externalDataNames('onnx/decoder_model_merged_q4.onnx', 3)).toEqual([
      'decoder_model_merged_q4.onnx_data',
      'decoder_model_merged_q4.onnx_data_1',
      'decoder_model_merged_q4.onnx_data_2',
    ]);
    const config = {
      'transformers.js_config': {
        use_external_data_format: { 'decoder_model_merged_q4.onnx': 3, 'embed_tokens_q4.onnx': true },
      },
    };
    expect(externalDataChunks(config, 'onnx/decoder_model_merged_q4.onnx')).toBe(3);
    expect(externalDataChunks(config, 'onnx/embed_tokens_q4.onnx')).toBe(1);
    expect(externalDataChunks(config, 'onnx/vision_encoder_q4.onnx')).toBe(0);
    expect(externalDataChunks({}, 'onnx/vision_encoder_q4.onnx')).toBe(0);
  });

  it("names what a decoder lacks (an export that returns every prompt position's logits)", () => {
    const wanted = requiredNames('decoder_model_merged', 2);
    expect(wanted.inputs).toContain('past_key_values.1.value');
    const inputs = wanted.inputs.filter((n) => n !== 'num_logits_to_keep');
    expect(missingNames('decoder_model_merged', 2, inputs, wanted.outputs)).toEqual(['input num_logits_to_keep']);
    expect(missingNames('embed_tokens', 2, ['input_ids'], [])).toEqual(['output inputs_embeds']);
  });

  it("reads the converter's marker, and nothing from a foreign config", () => {
    expect(layoutMarker({ rewatch_web: { decoder_attention: 'gqa' } })).toEqual({ decoder_attention: 'gqa' });
    expect(layoutMarker({ rewatch_web: { decoder_attention: 'flash' } })).toBeNull();
    expect(layoutMarker({})).toBeNull();
  });

  it('splits embedding tables into blocks of at most 1 GiB', () => {
    expect(tableRowsPerPart(151_936, 64, 4)).toBe(151_936);
    const rows = tableRowsPerPart(152_064, 3584, 4);
    expect(rows * 3584 * 4).toBeLessThanOrEqual(2 ** 30);
    expect((rows + 1) * 3584 * 4).toBeGreaterThan(2 ** 30);
  });
});
