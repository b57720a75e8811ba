/**
 * The MatMulNBits pass against the runtimes' own kernels: weights built on each block's 16-level grid
 * (so 4-bit quantization is lossless) must give exactly the float MatMul's result, including a K that is
 * not a multiple of the block size (padded last block), with float32 and float16 scales, on
 * onnxruntime-node and onnxruntime-web WASM. A wrong nibble order, scale or zero-point layout fails here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floatBytes, Graph } from './graph.ts';
import { writeModel } from './onnx-writer.ts';
import { OutputSink } from './output-sink.ts';
import { quantizeMatMuls, BLOCK_SIZE } from './quantize.ts';
import type { FloatType } from './weights.ts';
import { floats, toFloat32 } from '../parity/host-tensor.ts';
import { openSession, RUNTIMES } from '../parity/runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'rewatch-quantize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic [K, N] weights: per (block, column) a scale and zero point, values (q - zp) * scale with q spanning 0..15. */
function gridWeights(k: number, n: number): Float32Array {
  const w = new Float32Array(k * n);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b * BLOCK_SIZE < k; b++) {
      const scale = 2 ** -(1 + ((b + col) % 3));
      const zp = 3 + ((b * 7 + col) % 10);
      for (let i = b * BLOCK_SIZE, j = 0; i < Math.min(k, (b + 1) * BLOCK_SIZE); i++, j++) {
        // j = 0 and 1 pin the block's extremes (q = 0 and 15) so the quantizer recovers this exact grid.
        const q = j === 0 ? 0 : j === 1 ? 15 : (i * 5 + col * 3) % 16;
        w[i * n + col] = (q - zp) * scale;
      }
    }
  }
  return w;
}

async function build(k: number, n: number, type: FloatType, quantize: boolean, file: string): Promise<string> {
  const g = new Graph('matmul');
  const x = g.input('x', type, [3, k]);
  const w = gridWeights(k, n);
  const y = g.node('MatMul', [x, g.weight({ name: 'w', type, dims: [k, n], bytes: () => floatBytes(w, type) })]);
  g.output(y, 'y', type, [3, n]);
  if (quantize) expect(quantizeMatMuls(g, { floatType: type })).toBe(1);
  await writeModel(g, dir, file, { sink: new OutputSink(), inlineLimitBytes: Infinity, chunkBytes: 2e9 });
  return join(dir, file);
}

describe.each([
  [64, 8],
  [40, 5],
])('K %i, N %i', (k, n) => {
  describe.each(['float32', 'float16'] as const)('%s', (type) => {
    it.each(RUNTIMES)('MatMulNBits equals MatMul on %s', async (runtime) => {
      const x = Float32Array.from({ length: 3 * k }, (_, i) => ((i * 7) % 9) / 8 - 0.5);
      const run = async (quantize: boolean) => {
        const s = await openSession(
          runtime,
          await build(k, n, type, quantize, `${k}x${n}-${type}-${quantize ? 'q4' : 'float'}-${runtime}.onnx`),
        );
        try {
          return toFloat32((await s.run({ x: floats(x, [3, k], type) })).y);
        } finally {
          await s.release();
        }
      };
      const [reference, quantized] = [await run(false), await run(true)];
      expect(quantized.length).toBe(3 * n);
      for (let i = 0; i < reference.length; i++)
        expect(Math.abs(quantized[i] - reference[i])).toBeLessThanOrEqual(type === 'float32' ? 1e-5 : 1e-2);
    });
  });
});
