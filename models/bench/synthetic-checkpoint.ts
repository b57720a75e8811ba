/**
 * Writes a random-weight bf16 checkpoint of a preset's exact shapes, sharded and indexed as the official
 * uploads are (model-0000k-of-0000N.safetensors + model.safetensors.index.json), streamed to disk from
 * one reused block of random values so that writing 15 GB needs a few MB of memory. Conversion speed
 * does not depend on the values.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { presetConfig, presetTensors, type Preset } from './presets.ts';

/** About the official 7B's shard size. */
const SHARD_BYTES = 4e9;
const BLOCK_BYTES = 16 * 2 ** 20;

/** bf16 bit patterns of small random values (|x| in [2^-7, 2^-3)), from a fixed-seed xorshift. */
function randomBlock(): Uint8Array {
  const bits = new Uint16Array(BLOCK_BYTES / 2);
  let s = 0x9e3779b9;
  for (let i = 0; i < bits.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const sign = (s >>> 31) << 15;
    const exponent = 120 + ((s >>> 8) & 3);
    bits[i] = sign | (exponent << 7) | (s & 0x7f);
  }
  return new Uint8Array(bits.buffer);
}

/** Writes the checkpoint into `dir`; returns its tensor bytes. */
export function writeSyntheticCheckpoint(dir: string, preset: Preset): number {
  mkdirSync(dir, { recursive: true });
  const tensors = presetTensors(preset).map(([name, shape]) => ({
    name,
    shape,
    bytes: shape.reduce((a, b) => a * b, 1) * 2,
  }));
  const shards: (typeof tensors)[] = [[]];
  let size = 0;
  for (const t of tensors) {
    if (size > 0 && size + t.bytes > SHARD_BYTES) {
      shards.push([]);
      size = 0;
    }
    shards.at(-1)!.push(t);
    size += t.bytes;
  }
  const block = randomBlock();
  const weightMap: Record<string, string> = {};
  let total = 0;
  let rotate = 0;
  shards.forEach((shard, i) => {
    const file = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}.safetensors`;
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    let offset = 0;
    for (const t of shard) {
      header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + t.bytes] };
      offset += t.bytes;
      weightMap[t.name] = file;
    }
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const fd = openSync(join(dir, file), 'w');
    try {
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      writeSync(fd, len);
      writeSync(fd, json);
      for (let left = offset; left > 0;) {
        // Rotating the start keeps neighbouring tensors from being byte-identical.
        const start = (rotate = (rotate + 4099 * 2) % (BLOCK_BYTES / 2));
        const n = Math.min(left, BLOCK_BYTES - start);
        writeSync(fd, block, start, n);
        left -= n;
      }
    } finally {
      closeSync(fd);
    }
    total += offset;
  });
  writeFileSync(
    join(dir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2),
  );
  writeFileSync(join(dir, 'config.json'), JSON.stringify(presetConfig(preset), null, 2));
  return total;
}
