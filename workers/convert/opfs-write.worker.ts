/**
 * The convert worker's writing thread: owns the FileSystemSyncAccessHandles of the files being written and
 * writes what it is sent, in order, while the convert worker goes on reading and quantizing (writing on the
 * convert worker itself left the quantization workers idle for ~7 s of a 3B conversion).
 */
import { opfsDirectory } from '../../src/io/opfs-entries.ts';
import type { WriteReply, WriteRequest } from './opfs-write-protocol.ts';

const handles = new Map<number, FileSystemSyncAccessHandle>();

async function handle(request: WriteRequest): Promise<void> {
  if (request.op === 'open') {
    const parts = request.path.split('/');
    const dir = await opfsDirectory(await navigator.storage.getDirectory(), parts.slice(0, -1));
    const file = await (await dir.getFileHandle(parts.at(-1)!, { create: true })).createSyncAccessHandle();
    file.truncate(0);
    handles.set(request.file, file);
  } else if (request.op === 'write') {
    const file = handles.get(request.file)!;
    const { bytes, at } = request;
    for (let done = 0; done < bytes.byteLength;) done += file.write(bytes.subarray(done), { at: at + done });
  } else {
    const file = handles.get(request.file)!;
    handles.delete(request.file);
    file.flush();
    file.close();
  }
}

// One request at a time, in arrival order: opening a file is asynchronous, and a write must not pass it.
let queue = Promise.resolve();
self.onmessage = (event: MessageEvent<WriteRequest>) => {
  queue = queue.then(async () => {
    let reply: WriteReply = { ok: true };
    try {
      await handle(event.data);
    } catch (error) {
      const quota = error instanceof DOMException && error.name === 'QuotaExceededError';
      reply = { ok: false, quota, message: error instanceof Error ? error.message : String(error) };
    }
    self.postMessage(reply);
  });
};
