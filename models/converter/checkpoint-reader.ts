/**
 * A Hugging Face checkpoint folder (one model.safetensors, or shards + model.safetensors.index.json), read
 * one tensor at a time: only headers are parsed up front; each tensor's bytes are read when asked for, so
 * a 15 GB checkpoint never sits in memory. The folder's files come through CheckpointFiles (disk or picked).
 */
import {
  headerLength,
  parseHeader,
  toFloat32,
  SafetensorsError,
  DTYPE_BYTES,
  type SafetensorsDtype,
  type SafetensorsHeader,
  type TensorInfo,
} from '../../src/lib/models/safetensors.ts';
import { readText, type CheckpointFiles } from './checkpoint-files.ts';

/**
 * Tensor bytes in the checkpoint's dtype (bf16 for released checkpoints), not yet widened; in the page, not
 * yet read either (a Blob range: CheckpointFiles.range).
 */
export interface StoredRows {
  dtype: SafetensorsDtype;
  bytes: Uint8Array | Blob;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

interface Shard {
  /** File name inside the folder. */
  name: string;
  /** The file as messages name it. */
  file: string;
  header: SafetensorsHeader;
}

const INDEX = 'model.safetensors.index.json';
const SINGLE = 'model.safetensors';

export class CheckpointReader {
  private readonly location = new Map<string, Shard>();
  readonly dir: string;
  #bytesRead = 0;

  /** Parses every shard header and checks the index against them. */
  constructor(private readonly files: CheckpointFiles) {
    this.dir = files.where;
    for (const shard of this.openShards())
      for (const name of shard.header.tensors.keys()) this.location.set(name, shard);
    if (files.has(INDEX)) this.checkIndex();
  }

  private label(name: string): string {
    return `${this.files.where}/${name}`;
  }

  private weightMap(): Record<string, string> {
    let index: { weight_map?: Record<string, string> };
    try {
      index = JSON.parse(readText(this.files, INDEX));
    } catch {
      throw new CheckpointError(`${this.label(INDEX)}: not valid JSON`);
    }
    const weightMap = index.weight_map;
    if (!weightMap || typeof weightMap !== 'object') throw new CheckpointError(`${this.label(INDEX)}: no weight_map`);
    return weightMap;
  }

  private openShards(): Shard[] {
    if (this.files.has(INDEX)) {
      const names = [...new Set(Object.values(this.weightMap()))].sort();
      const missing = names.filter((f) => !this.files.has(f));
      if (missing.length) throw new CheckpointError(`missing shard file(s) listed in ${INDEX}: ${missing.join(', ')}`);
      return names.map((f) => this.readShard(f));
    }
    if (this.files.has(SINGLE)) return [this.readShard(SINGLE)];
    throw new CheckpointError(`${this.files.where}: no ${SINGLE} or ${INDEX}`);
  }

  private checkIndex(): void {
    const weightMap = this.weightMap();
    for (const [name, file] of Object.entries(weightMap)) {
      const shard = this.location.get(name);
      if (!shard)
        throw new CheckpointError(`tensor "${name}" is listed in the index under ${file} but is not in any shard`);
      if (shard.name !== file)
        throw new CheckpointError(`tensor "${name}" is listed under ${file} but found in ${shard.file}`);
    }
    // As for transformers, the index is the checkpoint's table of contents: a tensor it does not list is not part of it.
    for (const name of this.names()) if (!(name in weightMap)) this.location.delete(name);
  }

  private readShard(name: string): Shard {
    const file = this.label(name);
    const size = this.files.size(name);
    const n = headerLength(this.files.read(name, 0, 8), file);
    if (8 + n > size) throw new SafetensorsError(`${file}: truncated inside the header`);
    return { name, file, header: parseHeader(this.files.read(name, 8, n), n, size, file) };
  }

  has(name: string): boolean {
    return this.location.has(name);
  }

  names(): string[] {
    return [...this.location.keys()];
  }

  info(name: string): TensorInfo {
    const shard = this.location.get(name);
    if (!shard) throw new CheckpointError(`tensor "${name}" is missing from the checkpoint in ${this.dir}`);
    return shard.header.tensors.get(name)!;
  }

  /** Total bytes of all tensors (for throughput figures). */
  totalBytes(): number {
    let n = 0;
    for (const [name, shard] of this.location) {
      const [b, e] = shard.header.tensors.get(name)!.dataOffsets;
      n += e - b;
    }
    return n;
  }

  /** Tensor bytes read so far (for progress). */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** The tensor's raw stored bytes, read now. */
  readRaw(name: string): Uint8Array {
    const [begin, end] = this.info(name).dataOffsets;
    return this.readRange(name, 0, end - begin);
  }

  /** `length` bytes of a tensor's data starting `offset` bytes into it. */
  private readRange(name: string, offset: number, length: number): Uint8Array {
    const { shard, begin } = this.locate(name, offset);
    const out = this.files.read(shard.name, begin, length);
    if (out.byteLength < length) throw new CheckpointError(`${shard.file}: truncated while reading "${name}"`);
    this.#bytesRead += length;
    return out;
  }

  /** The shard holding a tensor, and where in that file the byte `offset` into its data is. */
  private locate(name: string, offset: number): { shard: Shard; begin: number } {
    const shard = this.location.get(name);
    if (!shard) throw new CheckpointError(`tensor "${name}" is missing from the checkpoint in ${this.dir}`);
    return { shard, begin: shard.header.dataStart + shard.header.tensors.get(name)!.dataOffsets[0] + offset };
  }

  /** The tensor widened to float32 (bf16, fp16, fp32 or fp64 stored). */
  readFloat32(name: string): Float32Array {
    return toFloat32(this.info(name).dtype, this.readRaw(name));
  }

  /**
   * Rows [start, start + count) of a 2-D tensor, widened to float32: lets a 1 GB embedding or lm_head be
   * converted in slices instead of held whole.
   */
  readFloat32Rows(name: string, start: number, count: number): Float32Array {
    const { dtype, offset, length } = this.rowRange(name, start, count);
    return toFloat32(dtype, this.readRange(name, offset, length));
  }

  /**
   * Rows [start, start + count) of a 2-D tensor as stored, for a thread that widens them itself: read now,
   * or left as a Blob range when the files can hand one out (the runner reads it asynchronously, readJob).
   */
  readRows(name: string, start: number, count: number): StoredRows {
    const { dtype, offset, length } = this.rowRange(name, start, count);
    if (!this.files.range) return { dtype, bytes: this.readRange(name, offset, length) };
    const { shard, begin } = this.locate(name, offset);
    if (begin + length > this.files.size(shard.name))
      throw new CheckpointError(`${shard.file}: truncated while reading "${name}"`);
    this.#bytesRead += length;
    return { dtype, bytes: this.files.range(shard.name, begin, length) };
  }

  private rowRange(name: string, start: number, count: number) {
    const info = this.info(name);
    if (info.shape.length !== 2)
      throw new CheckpointError(`tensor "${name}" is not 2-D (shape ${JSON.stringify(info.shape)})`);
    const [rows, cols] = info.shape;
    if (start < 0 || count < 0 || start + count > rows)
      throw new CheckpointError(`tensor "${name}": rows ${start}..${start + count} out of range 0..${rows}`);
    const rowBytes = cols * DTYPE_BYTES[info.dtype];
    return { dtype: info.dtype, offset: start * rowBytes, length: count * rowBytes };
  }
}
