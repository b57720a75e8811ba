/** The page's quantization pool: one Web Worker per core (quantize.worker.ts), started by the convert worker. */
import type { QuantizedMatrix } from '../../models/converter/block-quant.ts';
import { jobBuffers, QuantizePool, type QuantizeThread } from '../../models/converter/quantize-runner.ts';

function thread(index: number): QuantizeThread {
  const worker = new Worker(new URL('./quantize.worker.ts', import.meta.url), {
    type: 'module',
    name: `convert-quantize-${index}`,
  });
  return {
    post: (job) => worker.postMessage(job, jobBuffers(job)),
    onResult: (handler) =>
      worker.addEventListener('message', (e: MessageEvent<QuantizedMatrix | Uint8Array>) => handler(e.data)),
    onError: (handler) =>
      worker.addEventListener('error', (e) => handler(new Error(`a quantization worker failed: ${e.message}`))),
    terminate: () => worker.terminate(),
  };
}

/** A pool of one thread per core. */
export function webQuantizePool(threads = navigator.hardwareConcurrency || 2): QuantizePool {
  return new QuantizePool(Array.from({ length: threads }, (_, i) => thread(i)));
}
