/**
 * Where a converted model's files come from, as the generation loop sees it: a folder on disk (Node), a
 * folder picked in the page, a URL, a download in the Cache API. Each kind implements this one interface
 * (node-model-folder.ts, web-model-folder.ts), so loading never depends on where the files are.
 */

export interface ModelFolder {
  /** How the folder is named to a person (a path, a URL, a picked folder's name). */
  readonly label: string;
  /** A small file (configs, tokenizer, a graph without its weights); null when the folder has no such file. */
  read(path: string): Promise<Uint8Array | null>;
  /**
   * A large file (external weights), as bytes the runtime reads slice by slice. Browser folders may hand
   * back a view that reads each slice from disk when asked (lazy-bytes.ts), so gigabytes of weights are
   * never held in the page's memory while they are copied to the GPU.
   */
  readLarge(path: string): Promise<Uint8Array>;
  /** The file's path on this machine, when the folder is on a local disk (onnxruntime-node opens graphs by path). */
  localPath?(path: string): string;
  /** Drops temporary copies made while reading (called once the graphs are open). */
  release?(): Promise<void>;
}

/** A file the model folder must have but lacks. */
export class MissingModelFile extends Error {
  override readonly name = 'MissingModelFile';

  constructor(
    readonly folder: string,
    readonly path: string,
  ) {
    super(`${folder} has no ${path}`);
  }
}

/** The file's text, or an error naming the folder and the file. */
export async function readText(folder: ModelFolder, path: string): Promise<string> {
  const bytes = await folder.read(path);
  if (!bytes) throw new MissingModelFile(folder.label, path);
  return new TextDecoder().decode(bytes);
}

/** The file's JSON object, or null when the folder has no such file. */
export async function readOptionalJson(folder: ModelFolder, path: string): Promise<Record<string, unknown> | null> {
  const bytes = await folder.read(path);
  if (!bytes) return null;
  const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${folder.label}/${path} is not a JSON object`);
  return value as Record<string, unknown>;
}

export async function readJson(folder: ModelFolder, path: string): Promise<Record<string, unknown>> {
  const value = await readOptionalJson(folder, path);
  if (!value) throw new MissingModelFile(folder.label, path);
  return value;
}
