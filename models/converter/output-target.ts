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
 * An open output file, written in order. `write` may only queue the bytes (the CLI writes on libuv's threads
 * while the converter produces the next weight) and returns a promise when the caller should wait for the
 * queue to drain; `close` finishes every queued write, and reports a failed one.
 */
export interface OutputFile {
  write(bytes: Uint8Array): void | Promise<void>;
  close(): void | Promise<void>;
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
