/**
 * The files of a checkpoint folder as the converter reads them, so that the same conversion runs on a
 * folder on disk (Node, checkpoint.ts) and on a folder picked in the page (workers/convert/blob-files.ts).
 * `read` is synchronous: Node's readSync, and FileReaderSync in the browser's worker; `range` is read
 * asynchronously.
 */
export interface CheckpointFiles {
  /** The folder as messages name it (a path on disk, or the picked folder's name). */
  readonly where: string;
  has(name: string): boolean;
  /** Size in bytes of a file the folder has. */
  size(name: string): number;
  /** Up to `length` bytes of `name` from `offset` (fewer only at the end of the file). */
  read(name: string, offset: number, length: number): Uint8Array;
  /**
   * The same range not read yet, as a Blob (the page's picked folders): quantization jobs carry it and the
   * runner reads it asynchronously (quantize-runner.ts readJob), so reading, the slowest part of converting in
   * a page (each read goes through the browser process), runs ahead while the threads quantize.
   */
  range?(name: string, offset: number, length: number): Blob;
}

/** A whole file of the folder, as bytes. */
export function readAll(files: CheckpointFiles, name: string): Uint8Array {
  return files.read(name, 0, files.size(name));
}

/** A whole file of the folder, as UTF-8 text. */
export function readText(files: CheckpointFiles, name: string): string {
  return new TextDecoder().decode(readAll(files, name));
}
