/**
 * A few convert workers (convert.worker.ts): each frame goes to the least busy one, its pixels transferred,
 * not copied. One per spare core, at most 4.
 */
import { transfer, wrap, type Remote } from 'comlink';
import type { CapturedFrame } from './frame-to-rgb.ts';
import type { ConvertApi } from './convert.worker.ts';

interface Helper {
  worker: Worker;
  api: Remote<ConvertApi>;
  busy: number;
}

export class ConvertPool {
  readonly #helpers: Helper[];

  constructor(size = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1))) {
    this.#helpers = Array.from({ length: size }, (_, i) => {
      const worker = new Worker(new URL('./convert.worker.ts', import.meta.url), {
        type: 'module',
        name: `frames-convert-${i}`,
      });
      return { worker, api: wrap<ConvertApi>(worker), busy: 0 };
    });
  }

  /** How many frames can be converting at once without one helper waiting on another. */
  get size(): number {
    return this.#helpers.length;
  }

  async convert(
    frame: CapturedFrame,
    colorSpace: VideoColorSpaceInit,
    width: number,
    height: number,
  ): Promise<Uint8Array> {
    const helper = this.#helpers.reduce((a, b) => (b.busy < a.busy ? b : a));
    helper.busy++;
    try {
      return await helper.api.convert(transfer(frame, [frame.data.buffer]), colorSpace, width, height);
    } finally {
      helper.busy--;
    }
  }
}
