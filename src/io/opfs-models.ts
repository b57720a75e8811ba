/**
 * Models converted in the page (workers/convert), as they lie in the Origin Private File System:
 * `models/<name>/` at the CLI's relative paths. Listing hands out OPFS File objects (read lazily from disk,
 * as a picked folder's are), so a converted model loads through the `files` ModelSource with no network.
 * Staging folders (`models/.<name>.partial/`) are never listed; one left by a closed tab is removed, as is
 * a folder whose commit was cut short (no config.json: it is moved in last).
 */
import type { FolderFile } from './dropped-folder.ts';
import { opfsEntries } from './opfs-entries.ts';
import { OPFS_MODELS_DIR } from '../lib/protocol/convert-protocol.ts';
import { completeDtypes } from '../lib/models/picked-folder.ts';
import type { ModelDtype } from '../lib/protocol/inference-protocol.ts';

export interface ConvertedModel {
  name: string;
  /** Paths start with the model's name (`<name>/onnx/x.onnx`), as a picked folder's do. */
  files: FolderFile[];
  bytes: number;
  dtypes: ModelDtype[];
}

async function modelsDir(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(OPFS_MODELS_DIR, { create: true });
}

async function walk(dir: FileSystemDirectoryHandle, prefix: string, into: FolderFile[]): Promise<void> {
  for await (const entry of opfsEntries(dir)) {
    if (entry.kind === 'file') into.push({ path: `${prefix}${entry.name}`, file: await entry.getFile() });
    else await walk(entry, `${prefix}${entry.name}/`, into);
  }
}

/** The converted models, by name; with `cleanUp` (no conversion running), leftover staging and cut-short folders are deleted. */
export async function listConvertedModels(cleanUp: boolean): Promise<ConvertedModel[]> {
  const root = await modelsDir();
  const models: ConvertedModel[] = [];
  for await (const entry of opfsEntries(root)) {
    if (entry.kind !== 'directory') continue;
    if (entry.name.startsWith('.')) {
      if (cleanUp) await root.removeEntry(entry.name, { recursive: true });
      continue;
    }
    const files: FolderFile[] = [];
    await walk(entry, `${entry.name}/`, files);
    const paths = new Set(files.map((f) => f.path.slice(entry.name.length + 1)));
    // A commit cut short (the tab closed while files moved into place) leaves a folder without config.json.
    if (!paths.has('config.json')) {
      if (cleanUp) await root.removeEntry(entry.name, { recursive: true });
      continue;
    }
    models.push({
      name: entry.name,
      files,
      bytes: files.reduce((n, f) => n + f.file.size, 0),
      dtypes: completeDtypes(paths),
    });
  }
  return models.sort((a, b) => a.name.localeCompare(b.name));
}

export async function deleteConvertedModel(name: string): Promise<void> {
  await (await modelsDir()).removeEntry(name, { recursive: true });
}
