/**
 * Where converted files are written. Every byte goes through here so that running out of disk is one
 * well-defined error (DiskFullError), whether the disk really filled (ENOSPC) or a test set a byte budget.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export class DiskFullError extends Error {
  override name = 'DiskFullError';
  readonly code = 'ENOSPC';
}

export interface OutputFile {
  write(bytes: Uint8Array): void;
  close(): void;
}

export class OutputSink {
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
        if (this.written + bytes.byteLength > this.budgetBytes)
          throw new DiskFullError(`no space left on device writing ${path} (byte budget ${this.budgetBytes} reached)`);
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
