import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelFixtureDir } from '../../../scripts/fixtures/models.ts';
import { onnx } from '../../../models/converter/graph.ts';
import {
  CATALOG,
  catalogEntry,
  formatBytes,
  largestWeightTensor,
  memoryEstimate,
  parameterCounts,
  weightBytes,
} from './model-catalog.ts';
import { GRAPHS, onnxPath } from './model-layout.ts';

const TINY_DIR = modelFixtureDir('qwen2_5_vl_tiny');

const total = (id: string) => {
  const p = parameterCounts(catalogEntry(id).architecture);
  return p.matmul + p.embedding + p.other;
};

describe('model catalog', () => {
  it('counts the published parameter totals from the architecture', () => {
    // Qwen2.5-VL-7B-Instruct's safetensors hold 8,292,166,656 parameters; Qwen2.5-VL-3B's 3,754,622,976.
    expect(total('rewatch-r1-7b')).toBe(8_292_166_656);
    expect(total('qwen2.5-vl-3b-instruct')).toBe(3_754_622_976);
  });

  it('sizes the 4-bit 7B at about 5 GB, q4 (fp32 scales) above q4f16', () => {
    const e = catalogEntry('rewatch-r1-7b');
    expect(weightBytes(e, 'q4f16') / 1e9).toBeCloseTo(5.45, 1);
    expect(weightBytes(e, 'q4')).toBeGreaterThan(weightBytes(e, 'q4f16'));
    expect(formatBytes(weightBytes(e, 'q4f16'))).toMatch(/^5\.\d\d GB$/);
  });

  it('matches the graphs the converter wrote for the tiny model (a tied lm_head is stored in the decoder too)', () => {
    const tiny = catalogEntry('qwen2.5-vl-tiny');
    for (const dtype of tiny.dtypes) {
      // `npm test` makes the fixtures first; the files also hold graph structure, so they are a little larger.
      const onFiles = GRAPHS.reduce((sum, s) => sum + statSync(join(TINY_DIR, onnxPath(s, dtype))).size, 0);
      const ratio = weightBytes(tiny, dtype) / onFiles;
      expect(ratio, dtype).toBeGreaterThan(0.95);
      expect(ratio, dtype).toBeLessThanOrEqual(1);
    }
  });

  it('estimates memory with the KV cache of the full ReWatch context', () => {
    const m = memoryEstimate(catalogEntry('rewatch-r1-7b'), 'q4f16');
    // 192 frames -> 96 steps x 128 tokens = 12,288 visual tokens, + 300 prompt + 2048 new.
    expect(m.contextTokens).toBe(12_288 + 300 + 2048);
    expect(m.kvCache).toBe(28 * 2 * 4 * 128 * m.contextTokens * 2);
    expect(m.total).toBe(m.weights + m.kvCache + m.activations);
    // The float16 table (1.09 GB) is written as two blocks; the first, just under 1 GiB, is the largest tensor.
    expect(m.largestBuffer).toBe(Math.floor(2 ** 30 / (3584 * 2)) * 3584 * 2);
    expect(largestWeightTensor(catalogEntry('rewatch-r1-7b'), 'q4')).toBe(Math.floor(2 ** 30 / (3584 * 4)) * 3584 * 4);
    // Chunked prefill bounds the activations: one chunk's MLP, not the whole 14k-token prompt's.
    expect(m.activations).toBeLessThan(200e6);
  });

  it("names the largest tensor the converter really writes, per dtype (the tiny model's files)", () => {
    const tiny = catalogEntry('qwen2.5-vl-tiny');
    for (const dtype of tiny.dtypes) {
      let largest = 0;
      for (const graph of GRAPHS) {
        const model = onnx.ModelProto.decode(readFileSync(join(TINY_DIR, onnxPath(graph, dtype))));
        for (const t of model.graph!.initializer!) largest = Math.max(largest, t.rawData?.byteLength ?? 0);
      }
      expect(largestWeightTensor(tiny, dtype), dtype).toBe(largest);
    }
  });

  it('names files as transformers.js does', () => {
    expect(onnxPath('decoder_model_merged', 'q4f16')).toBe('onnx/decoder_model_merged_q4f16.onnx');
    expect(onnxPath('vision_encoder', 'fp32')).toBe('onnx/vision_encoder.onnx');
  });

  it('has unique ids and says how to get every entry', () => {
    expect(new Set(CATALOG.map((e) => e.id)).size).toBe(CATALOG.length);
    for (const e of CATALOG) expect(e.howToGet.length).toBeGreaterThan(0);
    expect(() => catalogEntry('nope')).toThrow(/unknown catalog id "nope"/);
  });
});
