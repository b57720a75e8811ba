/**
 * A Hugging Face checkpoint folder (one model.safetensors, or shards + model.safetensors.index.json), read
 * one tensor at a time: only headers are parsed up front; each tensor's bytes are read from disk when asked
 * for, so a 15 GB checkpoint never sits in memory.
 */
import { existsSync, openSync, readSync, closeSync, fstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  headerLength,
  parseHeader,
  toFloat32,
  SafetensorsError,
  DTYPE_BYTES,
  type SafetensorsHeader,
  type TensorInfo,
} from '../../src/lib/models/safetensors.ts';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

interface Shard {
  file: string;
  header: SafetensorsHeader;
}

export class Checkpoint {
  private readonly location = new Map<string, Shard>();

  private constructor(
    readonly dir: string,
    shards: Shard[],
  ) {
    for (const shard of shards) for (const name of shard.header.tensors.keys()) this.location.set(name, shard);
  }

  /** Opens the folder, parses every shard header and checks the index against them. */
  static open(dir: string): Checkpoint {
    const indexPath = join(dir, 'model.safetensors.index.json');
    const single = join(dir, 'model.safetensors');
    if (existsSync(indexPath)) {
      let index: { weight_map?: Record<string, string> };
      try {
        index = JSON.parse(readFileSync(indexPath, 'utf8'));
      } catch {
        throw new CheckpointError(`${indexPath}: not valid JSON`);
      }
      const weightMap = index.weight_map;
      if (!weightMap || typeof weightMap !== 'object') throw new CheckpointError(`${indexPath}: no weight_map`);
      const files = [...new Set(Object.values(weightMap))].sort();
      const missing = files.filter((f) => !existsSync(join(dir, f)));
      if (missing.length)
        throw new CheckpointError(
          `missing shard file(s) listed in model.safetensors.index.json: ${missing.join(', ')}`,
        );
      const shards = files.map((f) => readShard(join(dir, f)));
      const ckpt = new Checkpoint(dir, shards);
      for (const [name, file] of Object.entries(weightMap)) {
        const shard = ckpt.location.get(name);
        if (!shard)
          throw new CheckpointError(`tensor "${name}" is listed in the index under ${file} but is not in any shard`);
        if (!shard.file.endsWith(file))
          throw new CheckpointError(`tensor "${name}" is listed under ${file} but found in ${shard.file}`);
      }
      // As for transformers, the index is the checkpoint's table of contents: a tensor it does not list is not part of it.
      for (const name of ckpt.names()) if (!(name in weightMap)) ckpt.location.delete(name);
      return ckpt;
    }
    if (existsSync(single)) return new Checkpoint(dir, [readShard(single)]);
    throw new CheckpointError(`${dir}: no model.safetensors or model.safetensors.index.json`);
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

  /** The tensor's raw stored bytes, read from disk now. */
  readRaw(name: string): Uint8Array {
    const [begin, end] = this.info(name).dataOffsets;
    return this.readRange(name, 0, end - begin);
  }

  /** `length` bytes of a tensor's data starting `offset` bytes into it. */
  private readRange(name: string, offset: number, length: number): Uint8Array {
    const shard = this.location.get(name);
    if (!shard) throw new CheckpointError(`tensor "${name}" is missing from the checkpoint in ${this.dir}`);
    const begin = shard.header.tensors.get(name)!.dataOffsets[0] + offset;
    const out = new Uint8Array(length);
    const fd = openSync(shard.file, 'r');
    try {
      let done = 0;
      while (done < out.length) {
        const n = readSync(fd, out, done, out.length - done, shard.header.dataStart + begin + done);
        if (n === 0) throw new CheckpointError(`${shard.file}: truncated while reading "${name}"`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    return out;
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
    const info = this.info(name);
    if (info.shape.length !== 2)
      throw new CheckpointError(`tensor "${name}" is not 2-D (shape ${JSON.stringify(info.shape)})`);
    const [rows, cols] = info.shape;
    if (start < 0 || count < 0 || start + count > rows)
      throw new CheckpointError(`tensor "${name}": rows ${start}..${start + count} out of range 0..${rows}`);
    const rowBytes = cols * DTYPE_BYTES[info.dtype];
    return toFloat32(info.dtype, this.readRange(name, start * rowBytes, count * rowBytes));
  }
}

function readShard(file: string): Shard {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const first8 = new Uint8Array(8);
    readSync(fd, first8, 0, 8, 0);
    const n = headerLength(first8, file);
    if (8 + n > size) throw new SafetensorsError(`${file}: truncated inside the header`);
    const headerBytes = new Uint8Array(n);
    readSync(fd, headerBytes, 0, n, 8);
    return { file, header: parseHeader(headerBytes, n, size, file) };
  } finally {
    closeSync(fd);
  }
}
