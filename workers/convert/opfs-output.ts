/**
 * The page's output folder: the Origin Private File System, `models/<name>/`, written with
 * FileSystemSyncAccessHandle (workers only; no copy through a stream) on a thread of its own
 * (opfs-write.worker.ts). Files go into
 * the staging folder `models/.<name>.partial/`, whose files are moved into place once complete (config.json
 * last: a folder without it is not a model and is removed when models are listed); a quota error
 * becomes the converter's DiskFullError.
 */
import {
  checkBudget,
  DiskFullError,
  queuedFile,
  type OutputFile,
  type OutputFolder,
  type OutputWriter,
} from '../../models/converter/output-target.ts';
import { opfsDirectory, opfsEntries } from '../../src/io/opfs-entries.ts';
import { OPFS_MODELS_DIR, stagingFolderName } from '../../src/lib/protocol/convert-protocol.ts';
import type { WriteReply, WriteRequest } from './opfs-write-protocol.ts';

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

async function removeIfPresent(dir: FileSystemDirectoryHandle, name: string): Promise<void> {
  try {
    await dir.removeEntry(name, { recursive: true });
  } catch (error) {
    if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
  }
}

function failure(path: string, reply: Extract<WriteReply, { ok: false }>): Error {
  return reply.quota
    ? new DiskFullError(`no space left in this browser's storage writing ${path}`)
    : new Error(`writing ${path}: ${reply.message}`);
}

/** The writing thread (opfs-write.worker.ts): requests answered in order. */
class WriteThread {
  readonly #worker = new Worker(new URL('./opfs-write.worker.ts', import.meta.url), {
    type: 'module',
    name: 'convert-opfs-write',
  });
  readonly #waiting: ((reply: WriteReply) => void)[] = [];
  #dead: WriteReply | null = null;

  constructor() {
    this.#worker.onmessage = (event: MessageEvent<WriteReply>) => this.#waiting.shift()?.(event.data);
    this.#worker.onerror = (event) => {
      this.#dead = { ok: false, quota: false, message: `the writing thread failed: ${event.message}` };
      for (const resolve of this.#waiting.splice(0)) resolve(this.#dead);
    };
  }

  request(message: WriteRequest, transfer: Transferable[] = []): Promise<WriteReply> {
    if (this.#dead) return Promise.resolve(this.#dead);
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#worker.postMessage(message, transfer);
    });
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/**
 * Writes files at OPFS paths (`models/.name.partial/onnx/x.onnx`) through the writing thread: a write is
 * queued (its bytes transferred) and the converter goes on; a failed write is reported by the next write or
 * by close.
 */
class OpfsWriter implements OutputWriter {
  #written = 0;
  #files = 0;
  #thread: WriteThread | null = null;

  constructor(private readonly budgetBytes = Infinity) {}

  get bytesWritten(): number {
    return this.#written;
  }

  async open(path: string): Promise<OutputFile> {
    const thread = (this.#thread ??= new WriteThread());
    const file = this.#files++;
    const opened = await thread.request({ op: 'open', file, path });
    if (!opened.ok) throw failure(path, opened);
    return queuedFile(
      {
        write: async (bytes, at) => {
          // Transferred, so a view into a larger buffer is copied out first.
          const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
          const reply = await thread.request({ op: 'write', file, at, bytes: own }, [own.buffer as ArrayBuffer]);
          if (!reply.ok) throw failure(path, reply);
        },
        close: async () => {
          const reply = await thread.request({ op: 'close', file });
          if (!reply.ok) throw failure(path, reply);
        },
      },
      (n) => {
        checkBudget(path, this.#written, n, this.budgetBytes);
        this.#written += n;
      },
    );
  }

  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    const file = await this.open(path);
    try {
      await file.write(bytes);
    } finally {
      await file.close();
    }
  }

  /** Ends the writing thread once every file is closed (commit or discard). */
  dispose(): void {
    this.#thread?.terminate();
    this.#thread = null;
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
    this.writer = new OpfsWriter(budgetBytes);
    this.staging = `${OPFS_MODELS_DIR}/${stagingFolderName(name)}`;
  }

  /** The output folder `models/<name>/` of this origin's OPFS. */
  static async open(name: string, budgetBytes = Infinity): Promise<OpfsOutputFolder> {
    return new OpfsOutputFolder(await navigator.storage.getDirectory(), name, budgetBytes);
  }

  #models(): Promise<FileSystemDirectoryHandle> {
    return opfsDirectory(this.#root, [OPFS_MODELS_DIR]);
  }

  async prepare(): Promise<void> {
    const models = await this.#models();
    await removeIfPresent(models, stagingFolderName(this.#name));
    await opfsDirectory(models, [stagingFolderName(this.#name), 'onnx']);
  }

  async commit(): Promise<void> {
    this.writer.dispose();
    const models = await this.#models();
    await removeIfPresent(models, this.#name);
    const staged = await models.getDirectoryHandle(stagingFolderName(this.#name));
    await moveFiles(staged, await models.getDirectoryHandle(this.#name, { create: true }));
    await models.removeEntry(stagingFolderName(this.#name), { recursive: true });
  }

  async discard(): Promise<void> {
    this.writer.dispose();
    await removeIfPresent(await this.#models(), stagingFolderName(this.#name));
  }
}
