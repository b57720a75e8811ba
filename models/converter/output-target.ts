/**
 * Where a conversion writes, behind two small interfaces so that the CLI (node:fs, output-sink.ts) and the
 * page (OPFS, workers/convert/opfs-output.ts) share the whole converter. Running out of space is one
 * well-defined error (DiskFullError) whether the disk or quota really filled or a test set a byte budget.
 */

export class DiskFullError extends Error {
  override name = 'DiskFullError';
  readonly code = 'ENOSPC';
}

/**
 * An open output file, written in order. `write` may only queue the bytes (queuedFile) and returns a promise
 * when the caller should wait for the queue to drain; `close` finishes every queued write, and reports a
 * failed one.
 */
export interface OutputFile {
  write(bytes: Uint8Array): void | Promise<void>;
  close(): void | Promise<void>;
}

/** Bytes a file may have queued for the disk before the converter waits (a few weights' worth). */
const QUEUE_BYTES = 256 * 2 ** 20;

/** How a queued file reaches its storage: `write` settles once the bytes are stored, rejecting with the error to report. */
export interface StoredFile {
  write(bytes: Uint8Array, at: number): Promise<void>;
  close(): void | Promise<void>;
}

/**
 * An OutputFile whose writes are queued and stored in order, so the converter goes on producing while the disk
 * works (the CLI's libuv threads, the page's writing worker). `account` counts each write before it is queued
 * (and may refuse it: a test's byte budget); past QUEUE_BYTES waiting, write returns a promise to wait on; the
 * first failed write is reported by the next write or by close, and nothing after it is stored.
 */
export function queuedFile(storage: StoredFile, account: (bytes: number) => void): OutputFile {
  let at = 0;
  let queued = 0;
  let failure: unknown;
  let failed = false;
  let storing = Promise.resolve();
  const reported = () => {
    if (failed) throw failure;
  };
  return {
    write(bytes) {
      reported();
      const n = bytes.byteLength;
      account(n);
      const position = at;
      at += n;
      queued += n;
      storing = storing
        .then(() => (failed ? undefined : storage.write(bytes, position)))
        .catch((error: unknown) => {
          if (!failed) [failed, failure] = [true, error];
        })
        .finally(() => (queued -= n));
      return queued > QUEUE_BYTES ? storing.then(reported) : undefined;
    },
    async close() {
      await storing;
      try {
        await storage.close();
      } finally {
        reported(); // a failed write is the error to report, the file closed all the same
      }
    },
  };
}

/** Writes files by path (a path of the staging folder: OutputFolder.staging + '/' + relative path). */
export interface OutputWriter {
  readonly bytesWritten: number;
  open(path: string): OutputFile | Promise<OutputFile>;
  writeFile(path: string, bytes: Uint8Array): void | Promise<void>;
}

/**
 * The converted model's folder. Files are written into a staging folder that becomes the output only once
 * everything is written (commit), so a failed or interrupted conversion never leaves a folder that looks valid.
 */
export interface OutputFolder {
  readonly writer: OutputWriter;
  /** The staging folder's path, as the writer takes it. */
  readonly staging: string;
  /** Creates an empty staging folder with its onnx/ subfolder. */
  prepare(): Promise<void>;
  /** Moves the staging folder into place, replacing an earlier output. */
  commit(): Promise<void>;
  /** Removes the staging folder. */
  discard(): Promise<void>;
}

/** Throws DiskFullError when writing `adding` more bytes would pass a test's byte budget. */
export function checkBudget(path: string, written: number, adding: number, budgetBytes: number): void {
  if (written + adding > budgetBytes)
    throw new DiskFullError(`no space left on device writing ${path} (byte budget ${budgetBytes} reached)`);
}
