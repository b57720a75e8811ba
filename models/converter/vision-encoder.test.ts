/**
 * The vision encoder graph against the oracle (transformers 4.56, fp32 from the bf16 checkpoint): every
 * case of every reference checkpoint and every modality, on onnxruntime-node and onnxruntime-web's WASM
 * build (features, patch embeds, each block's output, attention segments), several grids in one call, the
 * absence of loop operators, attention memory that grows linearly with the number of frames, and the
 * float16 graph both on the oracle and where activations pass the fp16 range.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph } from './graph.ts';
import { Checkpoint } from './checkpoint.ts';
import { parseConfig, type QwenVLConfig } from './config.ts';
import { writeModel } from './onnx-writer.ts';
import { OutputSink } from './output-sink.ts';
import type { FloatType } from './weights.ts';
import { buildVisionEncoder } from './vision-encoder.ts';
import { openSession, RUNTIMES, type GraphSession, type RuntimeName } from '../parity/runtime.ts';
import { floats as hostFloats, int64, toFloat32, type HostTensor } from '../parity/host-tensor.ts';
import { compare } from '../parity/metrics.ts';
import {
  allReferenceCases,
  loadReferenceCase,
  referenceModelDir,
  tensor,
  type ReferenceCase,
} from '../../tests/support/reference.ts';

interface Loaded {
  cfg: QwenVLConfig;
  ckpt: Checkpoint;
}

function load(model: string): Loaded {
  const dir = referenceModelDir(model);
  return { cfg: parseConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))), ckpt: Checkpoint.open(dir) };
}

const workDir = mkdtempSync(join(tmpdir(), 'vision-encoder-test-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
let written = 0;

/** Writes the graph with the converter's writer (weights inline) and opens it on one runtime. */
async function open(g: Graph, runtime: RuntimeName = 'node'): Promise<GraphSession> {
  const file = `vision_encoder_${written++}.onnx`;
  await writeModel(g, workDir, file, { sink: new OutputSink(), inlineLimitBytes: Infinity, chunkBytes: 2 ** 31 });
  return openSession(runtime, join(workDir, file));
}

const sessions = new Map<string, Promise<GraphSession>>();
/** One session per (checkpoint, float type, runtime), with the debug outputs. */
function sessionFor(model: string, floatType: FloatType, runtime: RuntimeName = 'node'): Promise<GraphSession> {
  const key = `${model}/${floatType}/${runtime}`;
  let p = sessions.get(key);
  if (!p) {
    const { cfg, ckpt } = load(model);
    p = open(buildVisionEncoder(ckpt, cfg, { floatType, debugOutputs: true }), runtime);
    sessions.set(key, p);
  }
  return p;
}

function patchDimOf(cfg: QwenVLConfig): number {
  const v = cfg.vision;
  return v.inChannels * v.temporalPatchSize * v.patchSize ** 2;
}

/** The inputs as transformers.js passes them: float32 pixel rows (whatever the graph's float type) and int64 grids. */
function feeds(pixels: Float32Array, patchDim: number, grids: number[][]): Record<string, HostTensor> {
  return {
    pixel_values: hostFloats(pixels, [pixels.length / patchDim, patchDim], 'float32'),
    image_grid_thw: int64(grids.flat(), [grids.length, 3]),
  };
}

/** Max abs difference; NaN counts as infinitely far. */
function maxAbsDiff(actual: Float32Array, expected: Float32Array): number {
  return compare('', actual, expected).maxAbsDiff;
}

function maxAbs(values: Float32Array): number {
  return values.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

function floats(c: ReferenceCase, key: string): Float32Array {
  return tensor(c, key).data as Float32Array;
}

function ints(c: ReferenceCase, key: string): number[] {
  return Array.from(tensor(c, key).data as ArrayLike<number | bigint>, Number);
}

/** Each patch's segment number from reference cu_seqlens, which cut the hidden states in window order. */
function referenceSegments(cuSeqlens: number[], windowOrderPatch: number[]): number[] {
  const out = new Array<number>(windowOrderPatch.length);
  let seg = 0;
  for (let k = 0; k < windowOrderPatch.length; k++) {
    while (k >= cuSeqlens[seg + 1]) seg++;
    out[windowOrderPatch[k]] = seg;
  }
  return out;
}

/** Two labellings describe the same partition of the patches (labels may differ by a renaming). */
function samePartition(a: ArrayLike<number | bigint>, b: number[]): boolean {
  const ab = new Map<string, number>();
  const ba = new Map<number, string>();
  for (let i = 0; i < b.length; i++) {
    const x = String(a[i]);
    if ((ab.has(x) && ab.get(x) !== b[i]) || (ba.has(b[i]) && ba.get(b[i]) !== x)) return false;
    ab.set(x, b[i]);
    ba.set(b[i], x);
  }
  return true;
}

/** The modalities of a case: pixel rows, grid, reference embeddings and the prefix of its vision intermediates. */
function modalities(
  c: ReferenceCase,
): { kind: string; pixels: string; grid: string; embeds: string; prefix: string }[] {
  const both = c.tensors.has('pixel_values') && c.tensors.has('pixel_values_videos');
  const out = [];
  if (c.tensors.has('pixel_values'))
    out.push({
      kind: 'image',
      pixels: 'pixel_values',
      grid: 'image_grid_thw',
      embeds: 'image_embeds',
      prefix: both ? 'image_vision_' : 'vision_',
    });
  if (c.tensors.has('pixel_values_videos'))
    out.push({
      kind: 'video',
      pixels: 'pixel_values_videos',
      grid: 'video_grid_thw',
      embeds: 'video_embeds',
      prefix: both ? 'video_vision_' : 'vision_',
    });
  return out;
}

const cases = allReferenceCases().flatMap(({ model, name }) =>
  modalities(loadReferenceCase(model, name)).map((m) => ({ model, name, ...m })),
);

describe('vision encoder (fp32) vs the reference', () => {
  it('covers every case and modality of the oracle', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(['image', 'video']));
  });

  it.each(RUNTIMES.flatMap((runtime) => cases.map((c) => ({ runtime, ...c }))))(
    '$runtime: $model $name $kind',
    async ({ runtime, model, name, pixels, grid, embeds, prefix }) => {
      const c = loadReferenceCase(model, name);
      const { cfg } = load(model);
      const v = cfg.vision;
      const unit = v.spatialMergeSize ** 2;
      const thw = ints(c, grid);
      const out = await (
        await sessionFor(model, 'float32', runtime)
      ).run(feeds(floats(c, pixels), patchDimOf(cfg), [thw]));

      const featureDiff = maxAbsDiff(toFloat32(out.image_features), floats(c, embeds));
      const patchDiff = maxAbsDiff(toFloat32(out.patch_embeds), floats(c, `${prefix}patch_embeds`));

      // The reference keeps hidden states in window order (units of `unit` patches): permute ours to match.
      const windowOrderPatch = ints(c, `${prefix}window_index`).flatMap((grp) =>
        Array.from({ length: unit }, (_, i) => grp * unit + i),
      );
      const n = windowOrderPatch.length;
      const blocks = floats(c, `${prefix}block_outputs`);
      const blockDiffs = Array.from({ length: v.depth }, (_, i) => {
        const ours = toFloat32(out[`block_output.${i}`]);
        const permuted = new Float32Array(n * v.hiddenSize);
        windowOrderPatch.forEach((p, k) =>
          permuted.set(ours.subarray(p * v.hiddenSize, (p + 1) * v.hiddenSize), k * v.hiddenSize),
        );
        return maxAbsDiff(permuted, blocks.subarray(i * n * v.hiddenSize, (i + 1) * n * v.hiddenSize));
      });
      console.log(
        `${runtime} ${model} ${name} ${embeds} [${thw}]: features ${featureDiff.toExponential(2)}, patch_embeds ${patchDiff.toExponential(2)}, blocks ${blockDiffs.map((d) => d.toExponential(2)).join(' ')}`,
      );

      expect(featureDiff).toBeLessThanOrEqual(1e-4);
      expect(patchDiff).toBeLessThanOrEqual(1e-4);
      for (const d of blockDiffs) expect(d).toBeLessThanOrEqual(1e-4);
      // Our segment ids group the patches exactly as the reference's windows and temporal slices do.
      expect(
        samePartition(
          out.window_ids.data as BigInt64Array,
          referenceSegments(ints(c, `${prefix}cu_window_seqlens`), windowOrderPatch),
        ),
      ).toBe(true);
      expect(
        samePartition(
          out.slice_ids.data as BigInt64Array,
          referenceSegments(ints(c, `${prefix}cu_seqlens`), windowOrderPatch),
        ),
      ).toBe(true);
    },
  );

  it('encodes an image grid and a video grid of different sizes in one call, in either order', async () => {
    const c = loadReferenceCase('qwen2_5_vl_tiny_untied', 'case_e');
    const { cfg } = load('qwen2_5_vl_tiny_untied');
    const s = await sessionFor('qwen2_5_vl_tiny_untied', 'float32');
    const image = {
      pixels: floats(c, 'pixel_values'),
      grid: ints(c, 'image_grid_thw'),
      embeds: floats(c, 'image_embeds'),
    };
    const video = {
      pixels: floats(c, 'pixel_values_videos'),
      grid: ints(c, 'video_grid_thw'),
      embeds: floats(c, 'video_embeds'),
    };
    expect([image.grid, video.grid]).toEqual([
      [1, 6, 14],
      [3, 12, 10],
    ]);
    for (const [first, second] of [
      [image, video],
      [video, image],
    ]) {
      const pixels = new Float32Array(first.pixels.length + second.pixels.length);
      pixels.set(first.pixels);
      pixels.set(second.pixels, first.pixels.length);
      const out = toFloat32((await s.run(feeds(pixels, patchDimOf(cfg), [first.grid, second.grid]))).image_features);
      const diffs = [
        maxAbsDiff(out.subarray(0, first.embeds.length), first.embeds),
        maxAbsDiff(out.subarray(first.embeds.length), second.embeds),
      ];
      console.log(
        `case_e grids [${first.grid}] + [${second.grid}] in one call: ${diffs.map((d) => d.toExponential(2)).join(', ')}`,
      );
      for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-4);
    }
  });
});

describe('vision encoder graph structure', () => {
  const { cfg, ckpt } = load('qwen2_5_vl_tiny');

  it.each<FloatType>(['float32', 'float16'])(
    '%s: no loop operators, standard domain, lazy weights keyed by checkpoint name',
    (floatType) => {
      const g = buildVisionEncoder(ckpt, cfg, { floatType });
      const ops = new Set(g.nodes.map((n) => n.opType));
      for (const op of ['Loop', 'Scan', 'If']) expect(ops.has(op)).toBe(false);
      expect(g.nodes.every((n) => n.domain === '')).toBe(true);
      expect(g.inputs.map((i) => [i.name, i.type])).toEqual([
        ['pixel_values', 'float32'],
        ['image_grid_thw', 'int64'],
      ]);
      expect(g.outputs.map((o) => [o.name, o.type])).toEqual([['image_features', floatType]]);
      const visual = ckpt
        .names()
        .filter((k) => k.startsWith('visual.'))
        .sort();
      expect(g.weights.map((w) => w.name).sort()).toEqual(visual);
      // MatMul weights are [K, N] initializers fed straight into a MatMul (what the quantization pass looks for).
      const qkv = g.weights.find((w) => w.name === 'visual.blocks.0.attn.qkv.weight')!;
      expect(qkv.dims).toEqual([cfg.vision.hiddenSize, 3 * cfg.vision.hiddenSize]);
      expect(g.nodes.find((n) => n.input.includes(qkv.name))).toMatchObject({
        opType: 'MatMul',
        name: '/visual/blocks.0/attn/qkv/MatMul',
      });
      // Every MatMul weight is in the float type (the quantization pass keeps activations in it); float16 graphs
      // keep what meets the float32 residual stream in float32: norm weights and the residual projections' biases.
      const matmulWeights = new Set(g.nodes.filter((n) => n.opType === 'MatMul').map((n) => n.input[1]));
      for (const w of g.weights) {
        const float32Side = /\.(norm[12]\.weight|ln_q\.weight|attn\.proj\.bias|mlp\.down_proj\.bias)$/.test(w.name);
        expect([w.name, w.type]).toEqual([w.name, float32Side && floatType === 'float16' ? 'float32' : floatType]);
        if (matmulWeights.has(w.name)) expect([w.name, w.dims.length, w.type]).toEqual([w.name, 2, floatType]);
      }
    },
  );

  it('keeps attention scores linear in the number of frames (padded windows and temporal slices, never all patches)', async () => {
    const v = cfg.vision;
    const g = buildVisionEncoder(ckpt, cfg, { floatType: 'float32' });
    // Expose the shape of every softmax (the scores) as an extra output, with the block it belongs to.
    const softmaxes = g.nodes
      .filter((n) => n.opType === 'Softmax')
      .map((n, i) => ({
        block: Number(/blocks\.(\d+)\//.exec(n.name)![1]),
        output: g.output(
          g.node('Shape', [n.output[0]], {}, { role: `scores_shape_${i}` }),
          `scores_shape.${i}`,
          'int64',
          [4],
        ),
      }));
    const windowBlocks = v.depth - v.fullattBlockIndexes.length;
    // Window blocks attend with all heads at once, full-attention blocks one head at a time.
    expect(softmaxes.length).toBe(windowBlocks + v.fullattBlockIndexes.length * v.numHeads);
    const s = await open(g);
    const patchDim = patchDimOf(cfg);
    const [h, w] = [16, 30];
    const windowsPerSlice = Math.ceil(h / 2 / 4) * Math.ceil(w / 2 / 4);
    const largest = new Map<number, number>();
    for (const t of [4, 8]) {
      const n = t * h * w;
      const out = await s.run(
        feeds(
          Float32Array.from({ length: n * patchDim }, (_, i) => Math.sin(i * 0.37)),
          patchDim,
          [[t, h, w]],
        ),
      );
      expect(out.image_features.dims).toEqual([n / 4, v.outHiddenSize]);
      let peak = 0;
      for (const { block, output } of softmaxes) {
        const shape = Array.from(out[output].data as BigInt64Array, Number);
        expect(shape).toEqual(
          v.fullattBlockIndexes.includes(block) ? [t, 1, h * w, h * w] : [t * windowsPerSlice, v.numHeads, 64, 64],
        );
        peak = Math.max(
          peak,
          shape.reduce((a, b) => a * b, 1),
        );
      }
      largest.set(t, peak);
    }
    // Doubling the frames doubles the largest scores tensor: linear, not quadratic.
    expect(largest.get(8)).toBe(2 * largest.get(4)!);
    // So for ReWatch's 192 frames (grid [96, 16, 30]) the largest is 12x the 8-frame one, where one attention
    // over all 46,080 patches would need 46,080^2 * heads.
    console.log(
      `grid [96,${h},${w}], ${v.numHeads} heads: largest scores tensor ${(12 * largest.get(8)!).toLocaleString()} values, vs ${((96 * h * w) ** 2 * v.numHeads).toLocaleString()} unsegmented`,
    );
  });
});

describe('vision encoder (fp16)', () => {
  it.each(cases)(
    '$model $name $kind within fp16 precision of the reference',
    async ({ model, name, pixels, grid, embeds }) => {
      const c = loadReferenceCase(model, name);
      const { cfg } = load(model);
      const out = await (
        await sessionFor(model, 'float16')
      ).run(feeds(floats(c, pixels), patchDimOf(cfg), [ints(c, grid)]));
      const ref = floats(c, embeds);
      const diff = maxAbsDiff(toFloat32(out.image_features), ref);
      console.log(
        `fp16 ${model} ${name} ${embeds}: max abs diff ${diff.toExponential(2)} (reference max |x| ${maxAbs(ref).toFixed(2)})`,
      );
      // fp16 keeps 11 significant bits (relative step 2^-11 ~ 4.9e-4): allow ~10 steps at the output's scale.
      expect(diff).toBeLessThanOrEqual(10 * 2 ** -11 * maxAbs(ref));
    },
  );
});

describe('vision encoder (fp16) with activations beyond the fp16 range', () => {
  /** The tiny checkpoint's vision weights as float32 safetensors, with the last block's MLP output scaled up. */
  function loudCheckpoint(ckpt: Checkpoint, depth: number, factor: number): string {
    const dir = mkdtempSync(join(tmpdir(), 'vision-loud-'));
    const names = ckpt
      .names()
      .filter((k) => k.startsWith('visual.'))
      .sort();
    const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
    const chunks: Float32Array[] = [];
    let offset = 0;
    for (const name of names) {
      const data = ckpt.readFloat32(name);
      if (name.startsWith(`visual.blocks.${depth - 1}.mlp.down_proj.`))
        for (let i = 0; i < data.length; i++) data[i] *= factor;
      header[name] = { dtype: 'F32', shape: ckpt.info(name).shape, data_offsets: [offset, offset + data.byteLength] };
      chunks.push(data);
      offset += data.byteLength;
    }
    const json = new TextEncoder().encode(
      JSON.stringify(header).padEnd(8 * Math.ceil(JSON.stringify(header).length / 8)),
    );
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(json.length), true);
    writeFileSync(
      join(dir, 'model.safetensors'),
      Buffer.concat([length, json, ...chunks.map((c) => new Uint8Array(c.buffer))]),
    );
    return dir;
  }

  it('keeps every fp16 value finite where the residual stream passes 65504, and matches the fp32 graph', async () => {
    const { cfg, ckpt } = load('qwen2_5_vl_tiny');
    const v = cfg.vision;
    const dir = loudCheckpoint(ckpt, v.depth, 2 ** 17);
    try {
      const loud = Checkpoint.open(dir);
      const c = loadReferenceCase('qwen2_5_vl_tiny', 'case_c');
      const px = floats(c, 'pixel_values');
      const grid = ints(c, 'image_grid_thw');
      const patchDim = patchDimOf(cfg);

      const fp32 = await (
        await open(buildVisionEncoder(loud, cfg, { floatType: 'float32', debugOutputs: true }))
      ).run(feeds(px, patchDim, [grid]));
      const peak = maxAbs(toFloat32(fp32[`block_output.${v.depth - 1}`]));
      expect(peak).toBeGreaterThan(65504);

      // ORT's CPU kernels run some fp16 ops in float32 and drop float32->fp16->float32 cast pairs, which would
      // hide an overflow that a real fp16 device (WebGPU) produces. Graph outputs must be materialised in their
      // declared type, so expose every fp16 MatMul (all Linears) as an output and require it to be finite.
      const g = buildVisionEncoder(loud, cfg, { floatType: 'float16' });
      const fp16Weights = new Set(g.weights.filter((w) => w.type === 'float16').map((w) => w.name));
      const linears = g.nodes.filter((n) => n.opType === 'MatMul' && fp16Weights.has(n.input[1]));
      expect(linears.length).toBe(1 + 5 * v.depth + 2);
      for (const n of linears) g.output(n.output[0], `fp16:${n.name}`, 'float16', ['rows', 'columns']);
      const fp16 = await (await open(g)).run(feeds(px, patchDim, [grid]));
      const ours = toFloat32(fp16.image_features);
      const ref = toFloat32(fp32.image_features);
      const diff = maxAbsDiff(ours, ref);
      console.log(
        `residual peak ${peak.toExponential(2)}: fp16 vs fp32 graph max abs diff ${diff.toExponential(2)} (max |x| ${maxAbs(ref).toFixed(2)})`,
      );
      for (const n of linears)
        expect([n.name, toFloat32(fp16[`fp16:${n.name}`]).every(Number.isFinite)]).toEqual([n.name, true]);
      expect(diff).toBeLessThanOrEqual(10 * 2 ** -11 * maxAbs(ref));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
