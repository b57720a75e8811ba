/**
 * Where the CLI writes converted files: node:fs, every byte counted (a test's byte budget simulates a full
 * disk; the real ENOSPC becomes the same DiskFullError), and the output folder staged in a temporary sibling
 * renamed into place at the end. Writes are queued on libuv's threads, so the disk works while the
 * quantization threads do (on 2 cores, writing on the converter's thread left them idle for ~7 s of a 3B).
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, write } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  checkBudget,
  DiskFullError,
  queuedFile,
  type OutputFile,
  type OutputFolder,
  type OutputWriter,
} from './output-target.ts';

export { DiskFullError, type OutputFile };

export class OutputSink implements OutputWriter {
  private written = 0;

  /** `budgetBytes` simulates a disk that fills after that many bytes (tests); the default is the real disk. */
  constructor(private readonly budgetBytes = Infinity) {}

  get bytesWritten(): number {
    return this.written;
  }

  open(path: string): OutputFile {
    const fd = openSync(path, 'w');
    return queuedFile(
      {
        write: (bytes, at) =>
          writeAt(fd, bytes, at).catch((e: NodeJS.ErrnoException) => {
            throw e.code === 'ENOSPC' ? new DiskFullError(`no space left on device writing ${path}`) : e;
          }),
        close: () => closeSync(fd),
      },
      (n) => {
        checkBudget(path, this.written, n, this.budgetBytes);
        this.written += n;
      },
    );
  }

  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    const f = this.open(path);
    try {
      await f.write(bytes);
    } finally {
      await f.close();
    }
  }
}

/** Writes all of `bytes` at `position` (fs.write takes at most 2 GiB - 1 at a time; a 7B float32 table is 2.2 GB). */
async function writeAt(fd: number, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.byteLength;) {
    const length = Math.min(bytes.byteLength - done, 2 ** 30);
    done += await new Promise<number>((resolve, reject) =>
      write(fd, bytes, done, length, position + done, (e, n) => (e ? reject(e) : resolve(n))),
    );
  }
}

/** The output folder `output` on disk, staged in `.<name>.partial-<pid>` beside it. */
export class DiskOutputFolder implements OutputFolder {
  readonly staging: string;
  readonly #out: string;

  constructor(
    output: string,
    readonly writer: OutputWriter = new OutputSink(),
  ) {
    this.#out = resolve(output);
    this.staging = join(dirname(this.#out), `.${basename(this.#out)}.partial-${process.pid}`);
  }

  async prepare(): Promise<void> {
    rmSync(this.staging, { recursive: true, force: true });
    mkdirSync(join(this.staging, 'onnx'), { recursive: true });
  }

  async commit(): Promise<void> {
    const old = join(dirname(this.#out), `.${basename(this.#out)}.old-${process.pid}`);
    if (existsSync(this.#out)) renameSync(this.#out, old);
    renameSync(this.staging, this.#out);
    rmSync(old, { recursive: true, force: true });
  }

  async discard(): Promise<void> {
    rmSync(this.staging, { recursive: true, force: true });
  }
}
