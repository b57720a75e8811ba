/**
 * Serialises a Graph to an .onnx file. Weights are streamed one at a time: each weight's bytes() is called
 * once, written, and dropped. Small graphs embed their weights; bigger ones put them in external data
 * files `<file>_data`, `<file>_data_1`, ... of at most `chunkBytes` each (the names transformers.js
 * fetches), since protobuf cannot hold more than 2 GB.
 */
import { externalDataName } from '../../src/lib/models/model-layout.ts';
import { onnx, valueInfo, type Graph, type ElemType, type LazyTensor, type TensorProto, ONNX_TYPE } from './graph.ts';
import type { OutputFile, OutputWriter } from './output-target.ts';

export const OPSET = [
  { domain: '', version: 17 },
  { domain: 'com.microsoft', version: 1 },
];

const ELEM_BYTES: Record<ElemType, number> = { float32: 4, float16: 2, int64: 8, int32: 4, bool: 1, uint8: 1 };

export interface WriteOptions {
  sink: OutputWriter;
  /** Graphs whose weights total more than this use external data. */
  inlineLimitBytes: number;
  /** Maximum size of one external data file (a larger single tensor gets a file of its own). */
  chunkBytes: number;
  /** Called after each weight is written (progress; it may throw to stop the conversion). */
  onWeight?: () => void;
}

export interface WrittenModel {
  /** Number of external data files (0 when the weights are embedded). */
  externalChunks: number;
  weightBytes: number;
}

export function weightBytes(t: LazyTensor): number {
  return t.dims.reduce((a, b) => a * b, 1) * ELEM_BYTES[t.type];
}

async function produce(t: LazyTensor): Promise<Uint8Array> {
  const bytes = await t.bytes();
  if (bytes.byteLength !== weightBytes(t))
    throw new Error(
      `weight ${t.name}: produced ${bytes.byteLength} bytes, expected ${weightBytes(t)} for ${t.type}${JSON.stringify(t.dims)}`,
    );
  return bytes;
}

export async function writeModel(g: Graph, dir: string, fileName: string, opts: WriteOptions): Promise<WrittenModel> {
  const total = g.weights.reduce((n, w) => n + weightBytes(w), 0);
  const external = total > opts.inlineLimitBytes;
  const initializers: TensorProto[] = [];
  let chunks = 0;
  let file: OutputFile | undefined;
  let offset = 0;
  try {
    for (const w of g.weights) {
      const tensor = onnx.TensorProto.create({ name: w.name, dataType: ONNX_TYPE[w.type], dims: w.dims });
      if (!external) {
        tensor.rawData = await produce(w);
      } else {
        const size = weightBytes(w);
        if (!file || (offset > 0 && offset + size > opts.chunkBytes)) {
          const full = file;
          file = undefined;
          await full?.close();
          file = await opts.sink.open(`${dir}/${externalDataName(fileName, chunks++)}`);
          offset = 0;
        }
        const bytes = await produce(w);
        await file.write(bytes);
        tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
        tensor.externalData = [
          { key: 'location', value: externalDataName(fileName, chunks - 1) },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(size) },
        ].map((e) => onnx.StringStringEntryProto.create(e));
        offset += size;
      }
      initializers.push(tensor);
      opts.onWeight?.();
    }
    const last = file;
    file = undefined;
    await last?.close();
  } catch (error) {
    // The first failure is the one to report, not a queued write's that it cut short.
    await Promise.resolve()
      .then(() => file?.close())
      .catch(() => {});
    throw error;
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'rewatch-web converter',
    opsetImport: OPSET.map((o) => onnx.OperatorSetIdProto.create(o)),
    graph: onnx.GraphProto.create({
      name: g.name,
      node: g.nodes,
      initializer: [...g.constants.values(), ...initializers],
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
    }),
  });
  await opts.sink.writeFile(`${dir}/${fileName}`, onnx.ModelProto.encode(model).finish());
  return { externalChunks: chunks, weightBytes: total };
}
