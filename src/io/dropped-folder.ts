/**
 * The files of a folder dropped on the page, read through the File System entries API (a drop gives no
 * webkitRelativePath), with paths relative to the drop (`<folder>/onnx/x.onnx`) as a folder input gives them.
 * Entries must be taken from the DataTransfer during the drop event; reading them may happen later.
 */
export interface FolderFile {
  path: string;
  file: File;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function childrenOf(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, into: FolderFile[]): Promise<void> {
  if (entry.isFile) {
    into.push({ path: prefix + entry.name, file: await fileOf(entry as FileSystemFileEntry) });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (Chrome: 100 at a time) until it returns none.
  for (let batch = await childrenOf(reader); batch.length > 0; batch = await childrenOf(reader)) {
    for (const child of batch) await walk(child, `${prefix}${entry.name}/`, into);
  }
}

export async function droppedFiles(entries: readonly FileSystemEntry[]): Promise<FolderFile[]> {
  const files: FolderFile[] = [];
  for (const entry of entries) await walk(entry, '', files);
  return files;
}
