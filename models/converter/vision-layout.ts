/**
 * Where every patch sits, computed inside the vision graph from `image_grid_thw` with vectorised integer
 * ops (no Loop/Scan/If: loops are slow on WebGPU). Rows of `pixel_values` are the grids one after another,
 * each in the processor's order (t, h/sm, w/sm, sm, sm): the sm x sm patches of a merge group are
 * consecutive. From that order this module derives, per patch, its 2-D rotary angles and its place in the
 * two attention layouts:
 *
 * - windows: window blocks attend inside windowSize/patchSize (8x8) patches of one temporal slice;
 * - slices: the "full" blocks attend inside one temporal slice (one t-step of one grid), never across frames.
 *
 * Each layout is a padded [segments, slots] table: a Gather index that moves patch rows into it, the
 * inverse index that moves them back, and a key-padding bias for the empty slots. Masking by segment id is
 * equivalent to the reference's reorder-into-window-order-then-cut-at-cu_seqlens, because attention only
 * needs to know which patches share a segment and rotary angles stay attached to their patch. So the
 * window permutation and its inverse are never built, and memory grows linearly with the number of frames
 * (segments x slots^2 scores) instead of quadratically with all patches.
 */
import { onnx, type Graph } from './graph.ts';
import type { VisionConfig } from './config.ts';
import type { RotaryTables } from './rotary.ts';

/** Additive bias of an empty key slot; large but finite so that softmax never sees a row of -inf. */
const EMPTY_SLOT_BIAS = -1e9;

/** One padded attention layout. */
export interface SegmentLayout {
  /** [segments * slots] int64: the patch row each slot holds (empty slots hold row 0, masked as keys). */
  gather: string;
  /** [N] int64: each patch's flat slot, to gather attention outputs back into patch order. */
  scatterBack: string;
  /** [segments, 1, 1, slots] float32: 0 for occupied key slots, EMPTY_SLOT_BIAS for empty ones. */
  keyBias: string;
  /** [N] int64: each patch's segment id (exposed for tests that compare against the reference). */
  segmentOfPatch: string;
  /** [2] int64: (segments, slots), to reshape gathered rows. */
  shape: string;
  /** [segments, 1, slots, headDim] float32 rotary cos/sin of the patch in each slot. */
  rotary: RotaryTables;
}

export interface VisionLayout {
  windows: SegmentLayout;
  slices: SegmentLayout;
}

/** Builds the layout from the graph inputs `pixel_values` (for N) and `image_grid_thw`. */
export function buildVisionLayout(g: Graph, v: VisionConfig, pixelValues: string, gridThw: string): VisionLayout {
  return g.scope('layout', () => {
    const op = intOps(g);
    const sm = v.spatialMergeSize;
    const unit = sm * sm;
    // Window edge in merge groups (112 px / 14 px / 2 = 4); a window holds (edge * edge) groups of `unit` patches.
    const edge = v.windowSize / sm / v.patchSize;
    if (!Number.isInteger(edge) || edge < 1)
      throw new RangeError(`vision window_size ${v.windowSize} is not a multiple of patch_size * spatial_merge_size`);

    // Per-grid quantities, each [G].
    const col = (i: number, name: string) =>
      g.node('Gather', [gridThw, g.int64(i)], { axis: 1 }, { role: `grid_${name}` });
    const t = col(0, 't');
    const h = col(1, 'h');
    const w = col(2, 'w');
    const hw = op.mul(h, w, 'slice_patches');
    const count = op.mul(t, hw, 'grid_patches');
    const end = g.node('CumSum', [count, g.int64(0)], {}, { role: 'grid_end' });
    const start = op.sub(end, count, 'grid_start');
    const groupsW = op.div(w, g.int64(sm), 'groups_w');
    const groupsH = op.div(h, g.int64(sm), 'groups_h');
    // Windows per row/column: ceil, so windows at the right/bottom edge may be narrower than `edge` groups.
    // (The reference pads by `edge - n % edge`, adding an empty window when n is already a multiple; it holds
    // no patch, so leaving it out changes nothing.)
    const windowsW = op.div(op.add(groupsW, g.int64(edge - 1)), g.int64(edge), 'windows_w');
    const windowsH = op.div(op.add(groupsH, g.int64(edge - 1)), g.int64(edge), 'windows_h');
    const windowsPerSlice = op.mul(windowsH, windowsW, 'windows_per_slice');
    const windowCount = op.mul(t, windowsPerSlice, 'grid_windows');
    const windowStart = op.sub(
      g.node('CumSum', [windowCount, g.int64(0)], {}, { role: 'window_end' }),
      windowCount,
      'window_start',
    );
    const sliceStart = op.sub(g.node('CumSum', [t, g.int64(0)], {}, { role: 'slice_end' }), t, 'slice_start');
    // Totals, each [1]. ReduceSum/ReduceMax over a 1-D vector with no axes reduce everything in every opset >= 13.
    const numSlices = g.node('ReduceSum', [t], { keepdims: 1 }, { role: 'num_slices' });
    const numWindows = g.node('ReduceSum', [windowCount], { keepdims: 1 }, { role: 'num_windows' });
    const sliceSlots = g.node('ReduceMax', [hw], { keepdims: 1 }, { role: 'slice_slots' });

    // Per-patch quantities, each [N].
    const numPatches = g.node(
      'Squeeze',
      [g.node('Shape', [pixelValues], { start: 0, end: 1 }, { role: 'num_patches' })],
      {},
      { role: 'num_patches_scalar' },
    );
    const patch = g.node('Range', [g.int64(0), numPatches, g.int64(1)], {}, { role: 'patch' });
    // A patch's grid = how many grid ends it has passed ([N, G] comparison; G is a handful).
    const passed = g.node(
      'GreaterOrEqual',
      [g.node('Unsqueeze', [patch, g.int64([1])]), g.node('Unsqueeze', [end, g.int64([0])])],
      {},
      { role: 'passed_grid_end' },
    );
    const grid = g.node(
      'ReduceSum',
      [g.cast(passed, 'bool', 'int64'), g.int64([1])],
      { keepdims: 0 },
      { role: 'grid_of_patch' },
    );
    const perPatch = (vec: string, name: string) =>
      g.node('Gather', [vec, grid], { axis: 0 }, { role: `${name}_of_patch` });

    const local = op.sub(patch, perPatch(start, 'grid_start'), 'local');
    const patchHw = perPatch(hw, 'slice_patches');
    const tIndex = op.div(local, patchHw, 't_index');
    const inSlice = op.mod(local, patchHw, 'index_in_slice');
    const group = op.div(inSlice, g.int64(unit), 'merge_group');
    const inGroup = op.mod(inSlice, g.int64(unit), 'index_in_group');
    const patchGroupsW = perPatch(groupsW, 'groups_w');
    const groupRow = op.div(group, patchGroupsW, 'group_row');
    const groupCol = op.mod(group, patchGroupsW, 'group_col');
    const row = op.add(op.mul(groupRow, g.int64(sm)), op.div(inGroup, g.int64(sm)), 'row');
    const column = op.add(op.mul(groupCol, g.int64(sm)), op.mod(inGroup, g.int64(sm)), 'column');

    const slice = op.add(perPatch(sliceStart, 'slice_start'), tIndex, 'slice_id');
    const windowInSlice = op.add(
      op.mul(op.div(groupRow, g.int64(edge)), perPatch(windowsW, 'windows_w')),
      op.div(groupCol, g.int64(edge)),
      'window_in_slice',
    );
    const window = op.add(
      op.add(perPatch(windowStart, 'window_start'), op.mul(tIndex, perPatch(windowsPerSlice, 'windows_per_slice'))),
      windowInSlice,
      'window_id',
    );
    const groupInWindow = op.add(
      op.mul(op.mod(groupRow, g.int64(edge)), g.int64(edge)),
      op.mod(groupCol, g.int64(edge)),
      'group_in_window',
    );
    const windowSlot = op.add(op.mul(groupInWindow, g.int64(unit)), inGroup, 'window_slot');

    const angles = g.scope('rotary', () => rotaryTables(g, v.headDim, row, column));
    const windows = g.scope('windows', () =>
      segmentLayout(g, patch, window, windowSlot, numWindows, g.int64([edge * edge * unit]), angles, v.headDim),
    );
    const slices = g.scope('slices', () =>
      segmentLayout(g, patch, slice, inSlice, numSlices, sliceSlots, angles, v.headDim),
    );
    return { windows, slices };
  });
}

/** Gather/scatter indices, key-padding bias and rotary tables of one padded [segments, slots] layout. */
function segmentLayout(
  g: Graph,
  patch: string,
  segment: string,
  slot: string,
  numSegments: string,
  numSlots: string,
  angles: RotaryTables,
  headDim: number,
): SegmentLayout {
  const op = intOps(g);
  const flatSlot = op.add(op.mul(segment, numSlots), slot, 'flat_slot');
  const total = op.mul(numSegments, numSlots, 'total_slots');
  const at = g.node('Unsqueeze', [flatSlot, g.int64([1])], {}, { role: 'scatter_indices' });
  const gather = g.node(
    'ScatterND',
    [constantOfShape(g, total, 'int64', 0), at, patch],
    {},
    { role: 'gather_indices' },
  );
  const zeros = constantOfShape(g, g.node('Shape', [patch]), 'float32', 0);
  const bias = g.node(
    'ScatterND',
    [constantOfShape(g, total, 'float32', EMPTY_SLOT_BIAS), at, zeros],
    {},
    { role: 'key_bias_flat' },
  );
  const shape = g.node('Concat', [numSegments, numSlots], { axis: 0 }, { role: 'shape' });
  const biasShape = g.node('Concat', [numSegments, g.int64([1, 1]), numSlots], { axis: 0 }, { role: 'key_bias_shape' });
  const keyBias = g.node('Reshape', [bias, biasShape], {}, { role: 'key_bias' });
  // Rotary stays attached to each patch: its cos/sin move into the same slot as its q/k.
  const rotaryShape = g.node(
    'Concat',
    [numSegments, g.int64([1]), numSlots, g.int64([headDim])],
    { axis: 0 },
    { role: 'rotary_shape' },
  );
  const place = (t: string, role: string) =>
    g.node('Reshape', [g.node('Gather', [t, gather], { axis: 0 }, { role }), rotaryShape], {}, { role });
  return {
    gather,
    scatterBack: flatSlot,
    keyBias,
    segmentOfPatch: segment,
    shape,
    rotary: { cos: place(angles.cos, 'cos'), sin: place(angles.sin, 'sin') },
  };
}

/**
 * 2-D rotary of the vision tower: theta 10000 over headDim/2 rotary dims, the first half of the frequencies
 * driven by the patch row, the second by its column, and that vector repeated to headDim (rotate-half form).
 */
function rotaryTables(g: Graph, headDim: number, row: string, column: string): RotaryTables {
  const dim = headDim / 2;
  // Computed in float32 steps as the reference does (pow, then reciprocal) so angles match to the last ulp or so.
  const invFreq = Array.from({ length: dim / 2 }, (_, i) =>
    Math.fround(1 / Math.fround(10000 ** Math.fround((2 * i) / dim))),
  );
  const freqs = g.float32(invFreq, [1, dim / 2]);
  const angles = (pos: string, name: string) =>
    g.scope(name, () => g.node('Mul', [g.node('Unsqueeze', [g.cast(pos, 'int64', 'float32'), g.int64([1])]), freqs]));
  const rowAngles = angles(row, 'row');
  const colAngles = angles(column, 'column');
  const emb = g.node('Concat', [rowAngles, colAngles, rowAngles, colAngles], { axis: 1 }, { role: 'angles' });
  return { cos: g.node('Cos', [emb]), sin: g.node('Sin', [emb]) };
}

function constantOfShape(g: Graph, shape: string, type: 'int64' | 'float32', value: number): string {
  const raw =
    type === 'int64'
      ? new Uint8Array(BigInt64Array.of(BigInt(value)).buffer)
      : new Uint8Array(Float32Array.of(value).buffer);
  const t = onnx.TensorProto.create({
    dataType: type === 'int64' ? onnx.TensorProto.DataType.INT64 : onnx.TensorProto.DataType.FLOAT,
    dims: [1],
    rawData: raw,
  });
  return g.node('ConstantOfShape', [shape], { value: { t } });
}

/** Named integer arithmetic (all index values are non-negative, so ONNX's truncating Div is floor division). */
function intOps(g: Graph) {
  const bin = (op: string) => (a: string, b: string, role?: string) =>
    g.node(op, [a, b], op === 'Mod' ? { fmod: 0 } : {}, { role });
  return { add: bin('Add'), sub: bin('Sub'), mul: bin('Mul'), div: bin('Div'), mod: bin('Mod') };
}
