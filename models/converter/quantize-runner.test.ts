/**
 * The pool as the page uses it: jobs carry Blob ranges not read yet; the pool reads each before handing it to
 * a thread, threads answer in order, and every run gets its own slice's result whatever order reads finish in.
 * A read that fails fails its run only, and a pool stopped while a read is under way refuses the job.
 */
import { describe, expect, it } from 'vitest';
import { QuantizePool, runJob, type QuantizeJob, type QuantizeThread, type ReadJob } from './quantize-runner.ts';

/** An in-process thread that answers after `delayMs`, in order. */
function fakeThread(delayMs: number): QuantizeThread & { posted: number } {
  let answer: (result: ReturnType<typeof runJob>) => void = () => {};
  const thread = {
    posted: 0,
    post(job: ReadJob) {
      thread.posted++;
      const result = runJob(job);
      setTimeout(() => answer(result), delayMs);
    },
    onResult: (handler: typeof answer) => (answer = handler),
    onError: () => {},
    terminate: () => {},
  };
  return thread;
}

/** bf16 rows [count, k] with values that differ per slice. */
function rows(seed: number, count: number, k: number): Uint8Array<ArrayBuffer> {
  const f32 = Float32Array.from({ length: count * k }, (_, i) => Math.sin(seed * 1000 + i) * (1 + seed));
  return new Uint8Array(Uint16Array.from(new Uint32Array(f32.buffer), (b) => b >>> 16).buffer);
}

/** A Blob whose read resolves after `delayMs` (reads finishing out of order), or fails. */
class SlowBlob extends Blob {
  constructor(
    bytes: Uint8Array<ArrayBuffer>,
    private readonly delayMs: number,
    private readonly fails = false,
  ) {
    super([bytes]);
  }
  override async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await super.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.fails) throw new Error('NotReadableError: the file changed after it was picked');
    return bytes;
  }
}

const job = (rowsOf: Uint8Array | Blob): QuantizeJob => ({
  kind: 'quantize',
  rows: rowsOf,
  dtype: 'BF16',
  count: 4,
  k: 64,
  blockSize: 32,
  floatType: 'float16',
});

describe('QuantizePool with Blob ranges', () => {
  it('reads each range, then every run gets its own slice quantized, whatever order reads finish in', async () => {
    const threads = [fakeThread(5), fakeThread(1)];
    const pool = new QuantizePool(threads);
    const slices = Array.from({ length: 8 }, (_, i) => rows(i, 4, 64));
    const results = await Promise.all(slices.map((s, i) => pool.run(job(new SlowBlob(s, (7 - i) * 3)))));
    results.forEach((r, i) => expect(r, `slice ${i}`).toEqual(runJob({ ...job(slices[i]), rows: slices[i] })));
    expect(threads.map((t) => t.posted).reduce((a, b) => a + b)).toBe(8);
  });

  it('a failed read fails its run only; the others still get their own results', async () => {
    const pool = new QuantizePool([fakeThread(2), fakeThread(2)]);
    const slices = Array.from({ length: 4 }, (_, i) => rows(i, 4, 64));
    const runs = slices.map((s, i) => pool.run(job(new SlowBlob(s, 1, i === 1))));
    await expect(runs[1]).rejects.toThrow(/file changed/);
    for (const i of [0, 2, 3]) expect(await runs[i]).toEqual(runJob({ ...job(slices[i]), rows: slices[i] }));
  });

  it('a pool stopped while a range is read refuses the job instead of posting it to a stopped thread', async () => {
    const thread = fakeThread(1);
    const pool = new QuantizePool([thread]);
    const run = pool.run(job(new SlowBlob(rows(0, 4, 64), 5)));
    pool.terminate();
    await expect(run).rejects.toThrow(/stopped/);
    expect(thread.posted).toBe(0);
  });
});
