/**
 * A checkpoint folder on disk (the CLI and the tests): its files read with node:fs, a few bytes at a time,
 * so that CheckpointReader streams tensors from disk.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointFiles } from './checkpoint-files.ts';
import { CheckpointReader } from './checkpoint-reader.ts';

export { CheckpointError } from './checkpoint-reader.ts';

/** The files of folder `dir` on disk. */
export function diskFiles(dir: string): CheckpointFiles {
  return {
    where: dir,
    has: (name) => existsSync(join(dir, name)),
    size: (name) => statSync(join(dir, name)).size,
    read(name, offset, length) {
      const out = new Uint8Array(length);
      const fd = openSync(join(dir, name), 'r');
      try {
        let done = 0;
        while (done < length) {
          const n = readSync(fd, out, done, length - done, offset + done);
          if (n === 0) return out.subarray(0, done);
          done += n;
        }
      } finally {
        closeSync(fd);
      }
      return out;
    },
  };
}

export class Checkpoint extends CheckpointReader {
  /** Opens the folder on disk, parses every shard header and checks the index against them. */
  static open(dir: string): Checkpoint {
    return new Checkpoint(diskFiles(dir));
  }
}
