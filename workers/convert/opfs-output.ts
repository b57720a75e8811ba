/**
 * The page's output folder: the Origin Private File System, `models/<name>/`, written with
 * FileSystemSyncAccessHandle (workers only; synchronous writes, no copy through a stream). Files go into
 * the staging folder `models/.<name>.partial/`, whose files are moved into place once complete (config.json
 * last: a folder without it is not a model and is removed when models are listed); a quota error
 * becomes the converter's DiskFullError.
 */
import {
  checkBudget,
  DiskFullError,
  type OutputFile,
  type OutputFolder,
  type OutputWriter,
} from '../../models/converter/output-target.ts';
import { opfsEntries } from '../../src/io/opfs-entries.ts';
import { OPFS_MODELS_DIR, stagingFolderName } from '../../src/lib/protocol/convert-protocol.ts';

/** Chromium's move() of a file (directories cannot move), not yet in TypeScript's DOM types. */
interface MovableFile {
  move(parent: FileSystemDirectoryHandle): Promise<void>;
}

/** Moves every file of `from` into `to`, keeping subfolders; config.json last, as it makes a folder a model. */
async function moveFiles(from: FileSystemDirectoryHandle, to: FileSystemDirectoryHandle): Promise<void> {
  let config: FileSystemFileHandle | undefined;
  for await (const entry of opfsEntries(from)) {
    if (entry.kind === 'directory') await moveFiles(entry, await to.getDirectoryHandle(entry.name, { create: true }));
    else if (entry.name === 'config.json') config = entry;
    else await (entry as unknown as MovableFile).move(to);
  }
  if (config) await (config as unknown as MovableFile).move(to);
}

async function directory(
  root: FileSystemDirectoryHandle,
  parts: readonly string[],
): Promise<FileSystemDirectoryHandle> {
  let dir = root;
  for (const part of parts) dir = await dir.getDirectoryHandle(part, { create: true });
  return dir;
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'QuotaExceededError';
}

async function removeIfPresent(dir: FileSystemDirectoryHandle, name: string): Promise<void> {
  try {
    await dir.removeEntry(name, { recursive: true });
  } catch (error) {
    if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
  }
}

/** Writes files at OPFS paths (`models/.name.partial/onnx/x.onnx`). */
class OpfsWriter implements OutputWriter {
  #written = 0;

  constructor(
    private readonly root: FileSystemDirectoryHandle,
    private readonly budgetBytes = Infinity,
  ) {}

  get bytesWritten(): number {
    return this.#written;
  }

  async open(path: string): Promise<OutputFile> {
    const parts = path.split('/');
    const dir = await directory(this.root, parts.slice(0, -1));
    const handle = await (await dir.getFileHandle(parts.at(-1)!, { create: true })).createSyncAccessHandle();
    handle.truncate(0);
    let at = 0;
    return {
      write: (bytes) => {
        checkBudget(path, this.#written, bytes.byteLength, this.budgetBytes);
        try {
          for (let done = 0; done < bytes.byteLength;) done += handle.write(bytes.subarray(done), { at: at + done });
        } catch (error) {
          if (isQuotaError(error)) throw new DiskFullError(`no space left in this browser's storage writing ${path}`);
          throw error;
        }
        at += bytes.byteLength;
        this.#written += bytes.byteLength;
      },
      close: () => {
        handle.flush();
        handle.close();
      },
    };
  }

  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    const file = await this.open(path);
    try {
      await file.write(bytes);
    } finally {
      await file.close();
    }
  }
}

export class OpfsOutputFolder implements OutputFolder {
  readonly writer: OpfsWriter;
  readonly staging: string;
  readonly #name: string;
  readonly #root: FileSystemDirectoryHandle;

  private constructor(root: FileSystemDirectoryHandle, name: string, budgetBytes: number) {
    this.#root = root;
    this.#name = name;
    this.writer = new OpfsWriter(root, budgetBytes);
    this.staging = `${OPFS_MODELS_DIR}/${stagingFolderName(name)}`;
  }

  /** The output folder `models/<name>/` of this origin's OPFS. */
  static async open(name: string, budgetBytes = Infinity): Promise<OpfsOutputFolder> {
    return new OpfsOutputFolder(await navigator.storage.getDirectory(), name, budgetBytes);
  }

  #models(): Promise<FileSystemDirectoryHandle> {
    return directory(this.#root, [OPFS_MODELS_DIR]);
  }

  async prepare(): Promise<void> {
    const models = await this.#models();
    await removeIfPresent(models, stagingFolderName(this.#name));
    await directory(models, [stagingFolderName(this.#name), 'onnx']);
  }

  async commit(): Promise<void> {
    const models = await this.#models();
    await removeIfPresent(models, this.#name);
    const staged = await models.getDirectoryHandle(stagingFolderName(this.#name));
    await moveFiles(staged, await models.getDirectoryHandle(this.#name, { create: true }));
    await models.removeEntry(stagingFolderName(this.#name), { recursive: true });
  }

  async discard(): Promise<void> {
    await removeIfPresent(await this.#models(), stagingFolderName(this.#name));
  }
}
