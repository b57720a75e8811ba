/**
 * The vision blocks' multi-head attention inside segments (windows or temporal slices, see vision-layout.ts):
 * the fused qkv rows are gathered into the padded [segments, slots] layout, q and k rotated with the 2-D
 * rotary tables, attended with the key-padding bias `headsPerPass` heads at a time, and gathered back to
 * patch order. q and k stay float32 from rotary through the softmax.
 */
import type { Graph } from './graph.ts';
import type { VisionConfig } from './config.ts';
import type { Linear } from './linear.ts';
import { applyRotary } from './rotary.ts';
import type { SegmentLayout } from './vision-layout.ts';
import type { FloatType } from './weights.ts';

/** x in `type` -> float32 (what `outProj` returns; see vision-block.ts); qkv by `proj`, the output projection by `outProj`. */
export function visionAttention(
  g: Graph,
  x: string,
  v: VisionConfig,
  type: FloatType,
  segments: SegmentLayout,
  headsPerPass: number,
  proj: Linear,
  outProj: Linear,
): string {
  const { numHeads, headDim, hiddenSize } = v;
  return g.scope('attn', () => {
    const qkv = proj('qkv', x, [hiddenSize, 3 * hiddenSize]);
    const padded = g.node('Gather', [qkv, segments.gather], { axis: 0 }, { role: 'to_segments' });
    const shape5 = g.node(
      'Concat',
      [segments.shape, g.int64([3, numHeads, headDim])],
      { axis: 0 },
      { role: 'segments_shape' },
    );
    // [segments, slots, 3, heads, headDim] -> [3, segments, heads, slots, headDim]
    const split = g.node(
      'Transpose',
      [g.node('Reshape', [padded, shape5])],
      { perm: [2, 0, 3, 1, 4] },
      { role: 'split_heads' },
    );
    const part = (i: number, role: string) => g.node('Gather', [split, g.int64(i)], { axis: 0 }, { role });
    const rotate = (name: string, y: string) =>
      g.scope(name, () => applyRotary(g, g.cast(y, type, 'float32'), segments.rotary, headDim));
    const q = rotate('q_rotary', part(0, 'q'));
    const k = rotate('k_rotary', part(1, 'k'));
    const scaled = g.node('Mul', [q, g.float32(headDim ** -0.5)], {}, { role: 'q_scaled' });
    const kT = g.node('Transpose', [k], { perm: [0, 1, 3, 2] }, { role: 'k_t' });
    const value = part(2, 'v');
    const passes = numHeads / headsPerPass;
    const context =
      passes === 1
        ? attend(g, scaled, kT, value, segments.keyBias, type)
        : g.node(
            'Concat',
            Array.from({ length: passes }, (_, p) =>
              g.scope(`heads.${p}`, () => {
                const heads = (t: string, role: string) =>
                  g.node(
                    'Slice',
                    [t, g.int64([p * headsPerPass]), g.int64([(p + 1) * headsPerPass]), g.int64([1])],
                    {},
                    { role },
                  );
                return attend(g, heads(scaled, 'q'), heads(kT, 'k_t'), heads(value, 'v'), segments.keyBias, type);
              }),
            ),
            { axis: 1 },
            { role: 'context' },
          );
    const merged = g.node(
      'Reshape',
      [g.node('Transpose', [context], { perm: [0, 2, 1, 3] }, { role: 'merge_heads' }), g.int64([-1, hiddenSize])],
      {},
      { role: 'flat_slots' },
    );
    const back = g.node('Gather', [merged, segments.scatterBack], { axis: 0 }, { role: 'to_patches' });
    return outProj('proj', back, [hiddenSize, hiddenSize]);
  });
}

/** softmax(q k^T + key bias) v over [segments, heads, slots, headDim]; scores and softmax in float32, v in `type`. */
function attend(g: Graph, q: string, kT: string, v: string, keyBias: string, type: FloatType): string {
  const scores = g.node('MatMul', [q, kT], {}, { role: 'scores' });
  const probs = g.cast(
    g.node('Softmax', [g.node('Add', [scores, keyBias], {}, { role: 'masked_scores' })], { axis: -1 }),
    'float32',
    type,
  );
  return g.node('MatMul', [probs, v], {}, { role: 'context' });
}
