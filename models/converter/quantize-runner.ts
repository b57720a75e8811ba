/**
 * Where 4-bit quantization of a weight's row slices runs: in this thread, or spread over a pool of threads
 * (Node worker_threads in the CLI, quantize-thread.ts; Web Workers in the page, workers/convert). Slices
 * are independent (each output row is quantized on its own), so the bytes do not depend on the runner.
 */
import { quantizedSizes, quantizeRows, type QuantizedMatrix } from './block-quant.ts';
import type { FloatType } from './weights.ts';

/** `count` rows of length `k`, row-major, to quantize in blocks of `blockSize`. */
export interface QuantizeJob {
  rows: Float32Array;
  count: number;
  k: number;
  blockSize: number;
  floatType: FloatType;
}

export interface QuantizeRunner {
  /** Slices worth keeping in flight (the threads that can work at once). */
  readonly parallel: number;
  run(job: QuantizeJob): Promise<QuantizedMatrix>;
}

/** Quantizes one slice: its rows' MatMulNBits data, scales and zero points. */
export function quantizeJob(job: QuantizeJob): QuantizedMatrix {
  const sizes = quantizedSizes(job.k, job.blockSize, job.floatType);
  const out: QuantizedMatrix = {
    data: new Uint8Array(job.count * sizes.data),
    scales: new Uint8Array(job.count * sizes.scales),
    zeroPoints: new Uint8Array(job.count * sizes.zeroPoints),
  };
  quantizeRows(job.rows, job.count, job.k, job.blockSize, job.floatType, out, 0);
  return out;
}

/** The buffers of a slice's result, to transfer rather than copy between threads. */
export function resultBuffers(m: QuantizedMatrix): ArrayBuffer[] {
  return [m.data.buffer, m.scales.buffer, m.zeroPoints.buffer] as ArrayBuffer[];
}

export const inThread: QuantizeRunner = { parallel: 1, run: async (job) => quantizeJob(job) };

/** One thread of a pool: takes jobs in order and answers them in order. */
export interface QuantizeThread {
  post(job: QuantizeJob): void;
  /** Called with each answer, in the order the jobs were posted. */
  onResult(handler: (result: QuantizedMatrix) => void): void;
  /** Called when the thread fails (its waiting jobs fail with it). */
  onError(handler: (error: Error) => void): void;
  terminate(): void;
}

interface Waiting {
  resolve(result: QuantizedMatrix): void;
  reject(error: Error): void;
}

/** Jobs go to the thread with the fewest waiting; each thread answers in order. */
export class QuantizePool implements QuantizeRunner {
  readonly #threads: { thread: QuantizeThread; waiting: Waiting[] }[];

  constructor(threads: QuantizeThread[]) {
    this.#threads = threads.map((thread) => {
      const entry = { thread, waiting: [] as Waiting[] };
      thread.onResult((result) => entry.waiting.shift()?.resolve(result));
      thread.onError((error) => entry.waiting.splice(0).forEach((w) => w.reject(error)));
      return entry;
    });
  }

  get parallel(): number {
    return this.#threads.length;
  }

  run(job: QuantizeJob): Promise<QuantizedMatrix> {
    const entry = this.#threads.reduce((a, b) => (b.waiting.length < a.waiting.length ? b : a));
    return new Promise((resolve, reject) => {
      entry.waiting.push({ resolve, reject });
      entry.thread.post(job);
    });
  }

  terminate(): void {
    for (const { thread } of this.#threads) thread.terminate();
  }
}
