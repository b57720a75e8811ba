import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  byteRate,
  checkQuota,
  indexUrl,
  isIndexUrl,
  modelKey,
  planFiles,
  sourceFolderUrl,
} from './download-plan.ts';
import { formatBytes } from './model-catalog.ts';

describe('download plan', () => {
  it('resolves catalog sources to folder URLs', () => {
    expect(sourceFolderUrl({ kind: 'url', url: '/models/x' }, 'http://h:1/app/')).toBe('http://h:1/models/x/');
    expect(sourceFolderUrl({ kind: 'hub', id: 'org/m' }, 'http://h:1/')).toBe(
      'https://huggingface.co/org/m/resolve/main/',
    );
  });

  it('plans the three graphs of a dtype with their external-data chunks', () => {
    const config = {
      'transformers.js_config': {
        use_external_data_format: { 'decoder_model_merged_q4f16.onnx': 3, vision_encoder: 1 },
      },
    };
    const paths = planFiles(config, 'q4f16').map((f) => f.path);
    expect(paths).toContain('onnx/embed_tokens_q4f16.onnx');
    expect(paths).toContain('onnx/vision_encoder_q4f16.onnx_data');
    expect(paths.filter((p) => p.startsWith('onnx/decoder_model_merged_q4f16.onnx'))).toEqual([
      'onnx/decoder_model_merged_q4f16.onnx',
      'onnx/decoder_model_merged_q4f16.onnx_data',
      'onnx/decoder_model_merged_q4f16.onnx_data_1',
      'onnx/decoder_model_merged_q4f16.onnx_data_2',
    ]);
    expect(planFiles({}, 'fp32').filter((f) => f.path.startsWith('onnx/'))).toHaveLength(3);
    expect(
      planFiles({ 'transformers.js_config': { use_external_data_format: true } }, 'q4').filter((f) =>
        f.path.endsWith('_data'),
      ),
    ).toHaveLength(3);
    expect(() => planFiles(null, 'q4')).toThrow(/not a JSON object/);
  });

  it('keeps one index record per folder and dtype', () => {
    const url = indexUrl('http://h/models/m/', 'q4');
    expect(isIndexUrl(url)).toBe(true);
    expect(isIndexUrl('http://h/models/m/config.json')).toBe(false);
    expect(url).not.toBe(indexUrl('http://h/models/m/', 'q4f16'));
    expect(modelKey('http://h/models/m/', 'q4')).toBe('http://h/models/m/#q4');
  });

  it('refuses a download the quota cannot hold, naming the sizes', () => {
    expect(checkQuota({ quota: 10e9, usage: 1e9 }, 5e9, formatBytes)).toEqual({ ok: true, free: 9e9 });
    const no = checkQuota({ quota: 6e9, usage: 2e9 }, 5e9, formatBytes);
    expect(no.ok).toBe(false);
    expect(no.message).toMatch(/needs 5\.00 GB but only 4\.00 GB is free/);
    expect(checkQuota({}, 5e9, formatBytes).ok).toBe(true);
  });

  it('backs off exponentially and measures the rate over a window', () => {
    expect([1, 2, 3, 9].map(backoffMs)).toEqual([500, 1000, 2000, 8000]);
    expect(
      byteRate(
        [
          { at: 0, loaded: 0 },
          { at: 1000, loaded: 1e6 },
          { at: 2000, loaded: 3e6 },
        ],
        2000,
      ),
    ).toBe(1.5e6);
    expect(
      byteRate(
        [
          { at: 0, loaded: 0 },
          { at: 9000, loaded: 1e6 },
        ],
        9000,
      ),
    ).toBe(0);
  });
});
