/**
 * Where the CLI writes converted files: node:fs, every byte counted (a test's byte budget simulates a full
 * disk; the real ENOSPC becomes the same DiskFullError), and the output folder staged in a temporary sibling
 * renamed into place at the end.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { checkBudget, DiskFullError, type OutputFile, type OutputFolder, type OutputWriter } from './output-target.ts';

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
    return {
      write: (bytes) => {
        checkBudget(path, this.written, bytes.byteLength, this.budgetBytes);
        try {
          // writeSync refuses lengths over 2 GiB - 1; a 7B float32 embedding table is 2.2 GB.
          for (let done = 0; done < bytes.byteLength;)
            done += writeSync(fd, bytes, done, Math.min(bytes.byteLength - done, 2 ** 30));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC')
            throw new DiskFullError(`no space left on device writing ${path}`);
          throw e;
        }
        this.written += bytes.byteLength;
      },
      close: () => closeSync(fd),
    };
  }

  writeFile(path: string, bytes: Uint8Array): void {
    const f = this.open(path);
    try {
      f.write(bytes);
    } finally {
      f.close();
    }
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
