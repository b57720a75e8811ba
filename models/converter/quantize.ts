/**
 * The quantization pass over a finished float graph: every MatMul whose B is a 2-D weight initializer
 * becomes a com.microsoft MatMulNBits (4 bits, block 32, asymmetric), activations staying in the graph's
 * float type. Gathers (embeddings), norms and biases are untouched. The source weight is still read only
 * when the writer asks for the quantized bytes, once, a slice of rows at a time when it comes from the
 * checkpoint.
 */
import { f16ToF32 } from '../../src/lib/models/safetensors.ts';
import { onnx, type Graph, type LazyTensor } from './graph.ts';
import { blockCount, quantizedSizes, quantizeRows, type QuantizedMatrix } from './block-quant.ts';
import { inThread, runSlices, type QuantizeRunner } from './quantize-runner.ts';
import { isCheckpointMatrix, type FloatType } from './weights.ts';

export const BITS = 4;
export const BLOCK_SIZE = 32;

/** Rows quantized per slice when reading from the checkpoint: at most 2048, and about 32 MB of float32. */
const SLICE_ROWS = 2048;
const SLICE_BYTES = 32 * 2 ** 20;

export interface QuantizeOptions {
  /** The graph's activation type; MatMulNBits scales use it too. */
  floatType: FloatType;
  /** Where row slices are quantized (default: this thread); a pool quantizes several at once. */
  runner?: QuantizeRunner;
}

/** Rewrites `g` in place; returns how many MatMuls were quantized. */
export function quantizeMatMuls(g: Graph, opts: QuantizeOptions): number {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.input) uses.set(i, (uses.get(i) ?? 0) + 1);
  let count = 0;
  g.nodes.forEach((node, index) => {
    if (node.opType !== 'MatMul' || node.domain) return;
    const wIndex = g.weights.findIndex((w) => w.name === node.input[1]);
    const weight = g.weights[wIndex];
    if (!weight || weight.dims.length !== 2 || uses.get(weight.name) !== 1) return;
    const [k, n] = weight.dims;
    const parts = quantizedWeight(weight, opts.floatType, opts.runner ?? inThread);
    g.weights.splice(wIndex, 1, ...parts);
    g.nodes[index] = onnx.NodeProto.create({
      name: `${node.name}NBits`,
      opType: 'MatMulNBits',
      domain: 'com.microsoft',
      input: [node.input[0], ...parts.map((p) => p.name)],
      output: node.output,
      attribute: [
        onnx.AttributeProto.create({ name: 'K', type: onnx.AttributeProto.AttributeType.INT, i: k }),
        onnx.AttributeProto.create({ name: 'N', type: onnx.AttributeProto.AttributeType.INT, i: n }),
        onnx.AttributeProto.create({ name: 'bits', type: onnx.AttributeProto.AttributeType.INT, i: BITS }),
        onnx.AttributeProto.create({ name: 'block_size', type: onnx.AttributeProto.AttributeType.INT, i: BLOCK_SIZE }),
      ],
    });
    count++;
  });
  return count;
}

/** The three MatMulNBits initializers for one [K, N] weight; the first to be written computes all three. */
function quantizedWeight(w: LazyTensor, floatType: FloatType, runner: QuantizeRunner): LazyTensor[] {
  const [k, n] = w.dims;
  const blocks = blockCount(k, BLOCK_SIZE);
  const sizes = quantizedSizes(k, BLOCK_SIZE, floatType);
  let result: QuantizedMatrix | undefined;
  const compute = async (): Promise<QuantizedMatrix> => {
    if (result) return result;
    const out: QuantizedMatrix = {
      data: new Uint8Array(n * sizes.data),
      scales: new Uint8Array(n * sizes.scales),
      zeroPoints: new Uint8Array(n * sizes.zeroPoints),
    };
    if (isCheckpointMatrix(w)) {
      await runSlices(n, Math.min(SLICE_ROWS, Math.floor(SLICE_BYTES / (4 * k))) || 1, runner, async (r0, count) => {
        const { dtype, bytes } = w.rows(r0, count);
        const job = { kind: 'quantize', rows: bytes, dtype, count, k, blockSize: BLOCK_SIZE, floatType } as const;
        place(await runner.run(job), out, r0, sizes);
      });
    } else {
      quantizeRows(transpose(await w.bytes(), w.type, k, n), n, k, BLOCK_SIZE, floatType, out, 0);
    }
    result = out;
    return out;
  };
  // Each part hands its buffer over and forgets it, so nothing outlives its write.
  const take =
    <K extends keyof QuantizedMatrix>(key: K) =>
    async () => {
      const bytes = (await compute())[key];
      (result as Partial<QuantizedMatrix>)[key] = undefined;
      return bytes;
    };
  return [
    { name: `${w.name}.q4`, type: 'uint8', dims: [n, blocks, BLOCK_SIZE / 2], bytes: take('data') },
    { name: `${w.name}.q4_scales`, type: floatType, dims: [n * blocks], bytes: take('scales') },
    { name: `${w.name}.q4_zero_points`, type: 'uint8', dims: [n * sizes.zeroPoints], bytes: take('zeroPoints') },
  ];
}

/** A slice's quantized rows, copied into the whole matrix's at row `row0`. */
function place(
  part: QuantizedMatrix,
  out: QuantizedMatrix,
  row0: number,
  sizes: ReturnType<typeof quantizedSizes>,
): void {
  out.data.set(part.data, row0 * sizes.data);
  out.scales.set(part.scales, row0 * sizes.scales);
  out.zeroPoints.set(part.zeroPoints, row0 * sizes.zeroPoints);
}

/** [K, N] float bytes -> [N, K] float32 rows. */
function transpose(bytes: Uint8Array, type: LazyTensor['type'], k: number, n: number): Float32Array {
  const copy = bytes.slice().buffer;
  const kn = type === 'float16' ? f16ToF32(new Uint16Array(copy)) : new Float32Array(copy);
  const out = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[j * k + i] = kn[i * n + j];
  return out;
}
