/**
 * Messages between the convert worker and its OPFS writing thread (opfs-write.worker.ts). Each request gets
 * one reply, in order; a write's bytes are transferred, so the convert worker never waits on the disk unless
 * too much is queued.
 */
export type WriteRequest =
  | { op: 'open'; file: number; path: string }
  | { op: 'write'; file: number; at: number; bytes: Uint8Array }
  | { op: 'close'; file: number };

/** `quota`: the storage quota ran out (the converter's DiskFullError). */
export type WriteReply = { ok: true } | { ok: false; quota: boolean; message: string };
