import { describe, expect, it } from 'vitest';
import { groundedByDefault } from './grounded-default.ts';

const BASE = 'http://localhost:5173/index.html';

describe('groundedByDefault', () => {
  it("is on for ReWatch-R1's catalog entry, and for a model outside the catalog (taken to be ReWatch-R1)", () => {
    expect(groundedByDefault({ kind: 'url', url: '/models/rewatch-r1-7b/' }, BASE)).toBe(true);
    expect(groundedByDefault({ kind: 'files', name: 'my-model', files: [] }, BASE)).toBe(true);
    expect(groundedByDefault({ kind: 'url', url: 'https://example.org/my-rewatch/' }, BASE)).toBe(true);
  });
  it('is off for catalog entries not trained on ReWatch-CoT (the 3B instruct model, the tiny test model)', () => {
    expect(groundedByDefault({ kind: 'hub', id: 'onnx-community/Qwen2.5-VL-3B-Instruct-ONNX' }, BASE)).toBe(false);
    expect(groundedByDefault({ kind: 'url', url: '/models/fixtures/qwen2_5_vl_tiny/' }, BASE)).toBe(false);
  });
});
