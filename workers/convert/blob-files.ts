/**
 * A picked checkpoint folder's files (Blobs, read lazily from disk by the browser) as the converter reads
 * them: a byte range at a time with FileReaderSync, which only workers have, so the shared converter stays
 * synchronous as on Node; weight slices are handed out unread (`range`) and read asynchronously, ahead of the
 * quantization workers.
 */
import type { CheckpointFiles } from '../../models/converter/checkpoint-files.ts';

export function blobFiles(where: string, files: readonly { path: string; file: Blob }[]): CheckpointFiles {
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const reader = new FileReaderSync();
  const blob = (name: string): Blob => {
    const b = byPath.get(name);
    if (!b) throw new Error(`${where}/${name}: no such file`);
    return b;
  };
  return {
    where,
    has: (name) => byPath.has(name),
    size: (name) => blob(name).size,
    read: (name, offset, length) => new Uint8Array(reader.readAsArrayBuffer(blob(name).slice(offset, offset + length))),
    range: (name, offset, length) => blob(name).slice(offset, offset + length),
  };
}
