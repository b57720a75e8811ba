/**
 * Lazy graph weights read from the checkpoint. Nothing is read when a graph is built; each weight's bytes
 * are produced once, when the writer streams it, and big matrices are read a slice of rows at a time so a
 * weight never costs more than its output plus one slice.
 */
import type { CheckpointReader, StoredRows } from './checkpoint-reader.ts';
import { floatBytes, type Graph, type LazyTensor } from './graph.ts';
import { inThread, runSlices, type QuantizeRunner } from './quantize-runner.ts';

export type FloatType = 'float32' | 'float16';

/** Rows per slice: about 64 MB of float32 for the widest 7B matrices. */
const SLICE_BYTES = 64 * 1024 * 1024;

/**
 * A MatMul weight: stored [K, N] (the MatMul's B) while the checkpoint holds [N, K]. `rows` exposes the
 * checkpoint's [N, K] rows as stored, so quantization can work row by row without transposing the whole
 * matrix, and widen them in the thread that quantizes them.
 */
export interface CheckpointMatrix extends LazyTensor {
  rows(start: number, count: number): StoredRows;
}

export function isCheckpointMatrix(t: LazyTensor): t is CheckpointMatrix {
  return typeof (t as Partial<CheckpointMatrix>).rows === 'function';
}

function sliceRows(cols: number): number {
  return Math.max(1, Math.floor(SLICE_BYTES / (4 * cols)));
}

function shape2d(ckpt: CheckpointReader, key: string): [number, number] {
  const shape = ckpt.info(key).shape;
  if (shape.length !== 2)
    throw new Error(`checkpoint tensor "${key}" should be 2-D, has shape ${JSON.stringify(shape)}`);
  return [shape[0], shape[1]];
}

/** A weight, after checking that its dims are the ones the config implies (a mismatched checkpoint fails here, by name). */
function checked<T extends LazyTensor>(w: T, dims: number[]): T {
  if (w.dims.join() !== dims.join())
    throw new RangeError(`${w.name}: shape [${w.dims}] is not [${dims}] as the config implies`);
  return w;
}

/** A Linear layer's weight ([out, in] in the checkpoint) as a [in, out] MatMul initializer. */
export function matmulWeight(
  ckpt: CheckpointReader,
  key: string,
  type: FloatType,
  dims: [inFeatures: number, outFeatures: number],
): CheckpointMatrix {
  const [n, k] = shape2d(ckpt, key);
  return checked(
    {
      name: key,
      type,
      dims: [k, n],
      rows: (start, count) => ckpt.readRows(key, start, count),
      bytes() {
        const out = new Float32Array(k * n);
        const step = sliceRows(k);
        for (let r0 = 0; r0 < n; r0 += step) {
          const count = Math.min(step, n - r0);
          const rows = ckpt.readFloat32Rows(key, r0, count);
          for (let r = 0; r < count; r++) {
            const col = r0 + r;
            for (let c = 0; c < k; c++) out[c * n + col] = rows[r * k + c];
          }
        }
        return floatBytes(out, type);
      },
    },
    dims,
  );
}

/** A table kept in the checkpoint's [rows, cols] layout (embeddings for Gather), its rows read as stored. */
export interface CheckpointTable extends LazyTensor {
  type: FloatType;
  tableRows(start: number, count: number): StoredRows;
}

export function isCheckpointTable(t: LazyTensor): t is CheckpointTable {
  return typeof (t as Partial<CheckpointTable>).tableRows === 'function';
}

/**
 * Rows [start, start + count) of a table kept in the checkpoint's [rows, cols] layout; the whole table when
 * no range is given. Cast in this thread unless castTables hands it to a pool.
 */
export function tableWeight(
  ckpt: CheckpointReader,
  key: string,
  type: FloatType,
  range?: { start: number; count: number },
): CheckpointTable {
  const [rows, k] = shape2d(ckpt, key);
  const first = range?.start ?? 0;
  const n = range?.count ?? rows;
  const table: CheckpointTable = {
    name: range ? `${key}.rows_${first}` : key,
    type,
    dims: [n, k],
    tableRows: (start, count) => ckpt.readRows(key, first + start, count),
    bytes: () => castTable(table, inThread),
  };
  return table;
}

/** A table's bytes in its type, its slices widened and cast by `runner`. */
async function castTable(t: CheckpointTable, runner: QuantizeRunner): Promise<Uint8Array> {
  const [n, k] = t.dims;
  const width = t.type === 'float32' ? 4 : 2;
  const out = new Uint8Array(n * k * width);
  await runSlices(n, sliceRows(k), runner, async (r0, count) => {
    const { dtype, bytes } = t.tableRows(r0, count);
    out.set(await runner.run({ kind: 'cast', rows: bytes, dtype, floatType: t.type }), r0 * k * width);
  });
  return out;
}

/** Has every table of `g` cast on `runner` (a pool of threads) when written. */
export function castTables(g: Graph, runner: QuantizeRunner): void {
  for (const w of g.weights) if (isCheckpointTable(w)) w.bytes = () => castTable(w, runner);
}

/** A 1-D weight (bias, norm scale) of `length` values, read whole. */
export function vectorWeight(ckpt: CheckpointReader, key: string, type: FloatType, length: number): LazyTensor {
  const shape = ckpt.info(key).shape;
  if (shape.length !== 1)
    throw new Error(`checkpoint tensor "${key}" should be 1-D, has shape ${JSON.stringify(shape)}`);
  return checked({ name: key, type, dims: [shape[0]], bytes: () => floatBytes(ckpt.readFloat32(key), type) }, [length]);
}
