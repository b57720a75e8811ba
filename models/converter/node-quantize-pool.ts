/** The CLI's quantization pool: one worker_threads thread per core (quantize-thread.ts, run through tsx). */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { QuantizedMatrix } from './block-quant.ts';
import { jobBuffers, QuantizePool, type QuantizeThread } from './quantize-runner.ts';

function thread(): QuantizeThread {
  // Node refuses a .ts worker file by its extension: a one-line script registers tsx, then imports it.
  const source = new URL('./quantize-thread.ts', import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then((tsx) => tsx.register()).then(() => import(${JSON.stringify(source)}))`,
    { eval: true },
  );
  return {
    post: (job) => worker.postMessage(job, jobBuffers(job)),
    onResult: (handler) => worker.on('message', (result: QuantizedMatrix | Uint8Array) => handler(result)),
    onError: (handler) => worker.on('error', handler),
    terminate: () => void worker.terminate(),
  };
}

/** A pool of `threads` threads (default: every core). */
export function nodeQuantizePool(threads = availableParallelism()): QuantizePool {
  return new QuantizePool(Array.from({ length: threads }, thread));
}
