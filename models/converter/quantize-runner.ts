/**
 * Where the per-slice work of a conversion runs (widening stored rows, then 4-bit quantizing them or casting
 * them to the graph's float type): in this thread, or spread over a pool of threads (Node worker_threads in
 * the CLI, quantize-thread.ts; Web Workers in the page, workers/convert). Slices are independent (each
 * output row depends on its input row only), so the bytes do not depend on the runner.
 */
import { toFloat32, type SafetensorsDtype } from '../../src/lib/models/safetensors.ts';
import { quantizedSizes, quantizeRows, type QuantizedMatrix } from './block-quant.ts';
import { floatBytes } from './graph.ts';
import type { FloatType } from './weights.ts';

/**
 * `count` rows of length `k`, row-major, to quantize in blocks of `blockSize`. The rows come as the
 * checkpoint stores them, in a buffer of their own that can be transferred, and are widened by the thread
 * that quantizes them (a fifth of the work, that would otherwise stay on the converting thread). In the page
 * they come as a Blob range not read yet: the runner reads it asynchronously before handing the job to a
 * thread, so the converting thread reads ahead while the threads quantize, as the CLI's main thread does.
 */
export interface QuantizeJob {
  kind: 'quantize';
  rows: Uint8Array | Blob;
  dtype: SafetensorsDtype;
  count: number;
  k: number;
  blockSize: number;
  floatType: FloatType;
}

/** Rows of a table (an embedding) as stored, to widen and cast to `floatType`. */
export interface CastJob {
  kind: 'cast';
  rows: Uint8Array | Blob;
  dtype: SafetensorsDtype;
  floatType: FloatType;
}

export type SliceJob = QuantizeJob | CastJob;
export type SliceResult<J extends SliceJob> = J extends QuantizeJob ? QuantizedMatrix : Uint8Array;
/** A job whose rows have been read. */
export type ReadJob<J extends SliceJob = SliceJob> = J & { rows: Uint8Array };

export interface QuantizeRunner {
  /** The threads that can work at once. */
  readonly parallel: number;
  run<J extends SliceJob>(job: J): Promise<SliceResult<J>>;
}

/** The job with its rows read (a Blob range is read asynchronously; bytes pass through). */
export async function readJob<J extends SliceJob>(job: J): Promise<ReadJob<J>> {
  const rows = job.rows instanceof Uint8Array ? job.rows : new Uint8Array(await job.rows.arrayBuffer());
  return { ...job, rows };
}

/** Does one slice's work. */
export function runJob<J extends SliceJob>(job: ReadJob<J>): SliceResult<J> {
  const result = job.kind === 'quantize' ? quantizeJob(job) : floatBytes(toFloat32(job.dtype, job.rows), job.floatType);
  return result as SliceResult<J>;
}

/**
 * This thread's buffer for a quantize job's widened rows, kept from slice to slice (at most a slice, 32 MB):
 * a fresh one per slice had the OS map and zero new pages every time (Chromium maps each large buffer anew
 * and unmaps it when freed), the largest part of the page's extra kernel time.
 */
let widenedRows = new Float32Array(0);

/** Quantizes one slice: its rows' MatMulNBits data, scales and zero points. */
function quantizeJob(job: ReadJob<QuantizeJob>): QuantizedMatrix {
  const sizes = quantizedSizes(job.k, job.blockSize, job.floatType);
  const out: QuantizedMatrix = {
    data: new Uint8Array(job.count * sizes.data),
    scales: new Uint8Array(job.count * sizes.scales),
    zeroPoints: new Uint8Array(job.count * sizes.zeroPoints),
  };
  if (widenedRows.length < job.count * job.k) widenedRows = new Float32Array(job.count * job.k);
  const rows = toFloat32(job.dtype, job.rows, widenedRows);
  quantizeRows(rows, job.count, job.k, job.blockSize, job.floatType, out, 0);
  return out;
}

/** The buffers of a job, to transfer rather than copy to a thread. */
export function jobBuffers(job: ReadJob): ArrayBuffer[] {
  return [job.rows.buffer as ArrayBuffer];
}

/** The buffers of a slice's result, to transfer rather than copy between threads. */
export function resultBuffers(m: QuantizedMatrix | Uint8Array): ArrayBuffer[] {
  const parts = m instanceof Uint8Array ? [m] : [m.data, m.scales, m.zeroPoints];
  return parts.map((p) => p.buffer as ArrayBuffer);
}

export const inThread: QuantizeRunner = { parallel: 1, run: async (job) => runJob(await readJob(job)) };

/**
 * Runs `n` rows through `runner` in slices, in order: each slice of at most `maxRows` rows is read by
 * `read(start, count)` here and handed to the runner by `run`. Every weight is cut into a multiple of the
 * runner's threads, so none idles on a weight of one slice (q/k/v/o), and one more slice per thread waits
 * in line, so a thread that finishes finds its next slice already read.
 */
export async function runSlices(
  n: number,
  maxRows: number,
  runner: QuantizeRunner,
  run: (start: number, count: number) => Promise<void>,
): Promise<void> {
  const slices = Math.min(n, Math.ceil(Math.ceil(n / maxRows) / runner.parallel) * runner.parallel);
  const step = Math.ceil(n / slices);
  const inFlight: Promise<void>[] = [];
  for (let start = 0; start < n; start += step) {
    const slice = run(start, Math.min(step, n - start));
    // The first failure is awaited and reported; the slices after it fail too (one unreadable file) unheard.
    slice.catch(() => {});
    inFlight.push(slice);
    if (inFlight.length >= 2 * runner.parallel) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

/** One thread of a pool: takes jobs in order and answers them in order. */
export interface QuantizeThread {
  post(job: ReadJob): void;
  /** Called with each answer, in the order the jobs were posted. */
  onResult(handler: (result: QuantizedMatrix | Uint8Array) => void): void;
  /** Called when the thread fails (its waiting jobs fail with it). */
  onError(handler: (error: Error) => void): void;
  terminate(): void;
}

interface Waiting {
  resolve(result: QuantizedMatrix | Uint8Array): void;
  reject(error: Error): void;
}

/** Jobs are read (readJob), then go to the thread with the fewest waiting; each thread answers in order. */
export class QuantizePool implements QuantizeRunner {
  readonly #threads: { thread: QuantizeThread; waiting: Waiting[] }[];
  #stopped = false;

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

  async run<J extends SliceJob>(job: J): Promise<SliceResult<J>> {
    const ready = await readJob(job);
    // Stopped while the rows were read: a terminated thread would never answer.
    if (this.#stopped) throw new Error('the quantization pool was stopped');
    const entry = this.#threads.reduce((a, b) => (b.waiting.length < a.waiting.length ? b : a));
    return new Promise((resolve, reject) => {
      // Posted first: a post that throws must not leave a waiter that would take another job's answer.
      entry.thread.post(ready);
      entry.waiting.push({ resolve: (result) => resolve(result as SliceResult<J>), reject });
    });
  }

  terminate(): void {
    this.#stopped = true;
    for (const { thread } of this.#threads) thread.terminate();
  }
}
