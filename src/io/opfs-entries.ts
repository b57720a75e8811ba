/** The children of an OPFS directory (TypeScript's DOM types have this iterator only with lib DOM.AsyncIterable). */
export function opfsEntries(
  dir: FileSystemDirectoryHandle,
): AsyncIterable<FileSystemFileHandle | FileSystemDirectoryHandle> {
  return (dir as unknown as { values(): AsyncIterable<FileSystemFileHandle | FileSystemDirectoryHandle> }).values();
}

/** The directory at `parts` under `root`, created where missing. */
export async function opfsDirectory(
  root: FileSystemDirectoryHandle,
  parts: readonly string[],
): Promise<FileSystemDirectoryHandle> {
  let dir = root;
  for (const part of parts) dir = await dir.getDirectoryHandle(part, { create: true });
  return dir;
}
