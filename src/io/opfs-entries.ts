/** The children of an OPFS directory (TypeScript's DOM types have this iterator only with lib DOM.AsyncIterable). */
export function opfsEntries(
  dir: FileSystemDirectoryHandle,
): AsyncIterable<FileSystemFileHandle | FileSystemDirectoryHandle> {
  return (dir as unknown as { values(): AsyncIterable<FileSystemFileHandle | FileSystemDirectoryHandle> }).values();
}
