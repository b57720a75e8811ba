/**
 * Streaming: with external data (small chunks, so graphs span several files), the converter reads the
 * checkpoint one weight at a time — between two writes, reads touch at most one tensor, and each run of
 * reads covers that tensor exactly once. The chunked output then passes parity on both runtimes for
 * every case of its checkpoint, and config.json declares exactly the chunk files written.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DTYPE_BYTES } from '../../src/lib/models/safetensors.ts';
import { Checkpoint } from './checkpoint.ts';
import { externalDataName, GRAPHS } from '../../src/lib/models/model-layout.ts';
import type { ConversionProgress } from './conversion.ts';
import { convert } from './convert.ts';
import { DTYPE_PLANS } from './dtypes.ts';
import { OutputSink, type OutputFile } from './output-sink.ts';
import { REFERENCE_ROOT, referenceCases, referenceModelDir, referenceModels } from '../../tests/support/reference.ts';
import { runParity } from '../parity/parity.ts';
import { loadParityCase } from '../parity/reference-case.ts';
import { RUNTIMES } from '../parity/runtime.ts';

/** Counts the writes into the one order of calls vitest keeps across all mocks. */
class RecordingSink extends OutputSink {
  readonly writes = vi.fn();
  override open(path: string): OutputFile {
    const file = super.open(path);
    return { write: (b) => (this.writes(path), file.write(b)), close: () => file.close() };
  }
}

const root = mkdtempSync(join(tmpdir(), 'rewatch-streaming-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(referenceModels())('%s', (model) => {
  describe.each(['fp32', 'q4'] as const)('%s with external data', (dtype) => {
    const out = join(root, `${model}-${dtype}`);
    const input = referenceModelDir(model);
    const ckpt = Checkpoint.open(input);
    /** In call order: a read of `bytes` of tensor `name`, or a write (name undefined). */
    const events: { order: number; name?: string; bytes: number }[] = [];
    let last: ConversionProgress | undefined;

    beforeAll(async () => {
      // Rows as stored (quantized and cast slices) and widened (transposed matrices) are two entry points.
      const rows = [vi.spyOn(Checkpoint.prototype, 'readRows'), vi.spyOn(Checkpoint.prototype, 'readFloat32Rows')];
      const raw = vi.spyOn(Checkpoint.prototype, 'readRaw');
      const sink = new RecordingSink();
      const rowBytes = (name: string) => ckpt.info(name).shape[1] * DTYPE_BYTES[ckpt.info(name).dtype];
      const size = (name: string) => ckpt.info(name).dataOffsets[1] - ckpt.info(name).dataOffsets[0];
      try {
        const onProgress = (p: ConversionProgress) => (last = p);
        await convert({
          input,
          output: out,
          dtypes: [dtype],
          sink,
          inlineLimitBytes: 0,
          chunkBytes: 4_000_000,
          onProgress,
        });
        // Collected before mockRestore, which clears the recorded calls.
        for (const spy of rows)
          spy.mock.calls.forEach(([name, , count], i) =>
            events.push({ order: spy.mock.invocationCallOrder[i], name, bytes: count * rowBytes(name) }),
          );
        raw.mock.calls.forEach(([name], i) =>
          events.push({ order: raw.mock.invocationCallOrder[i], name, bytes: size(name) }),
        );
        sink.writes.mock.calls.forEach((_, i) =>
          events.push({ order: sink.writes.mock.invocationCallOrder[i], bytes: 0 }),
        );
      } finally {
        for (const spy of rows) spy.mockRestore();
        raw.mockRestore();
      }
      events.sort((a, b) => a.order - b.order);
    });

    it('reads one weight at a time, each exactly once', () => {
      const runs: { name: string; bytes: number }[] = [];
      let current: { name: string; bytes: number } | undefined;
      for (const e of events) {
        if (e.name === undefined) {
          current = undefined;
          continue;
        }
        if (current && current.name !== e.name)
          throw new Error(`reads of ${current.name} and ${e.name} overlap: two weights materialised at once`);
        if (!current) runs.push((current = { name: e.name, bytes: 0 }));
        current.bytes += e.bytes;
      }
      for (const r of runs)
        expect(r.bytes, r.name).toBe(ckpt.info(r.name).dataOffsets[1] - ckpt.info(r.name).dataOffsets[0]);
      expect(new Set(runs.map((r) => r.name))).toEqual(new Set(ckpt.names()));
    });

    it('reads exactly the bytes it planned to, so progress ends at 100% and not before', () => {
      expect(last).toBeDefined();
      expect(last?.weight).toBe(last?.weights);
      expect(last?.bytesRead).toBe(last?.readBytes);
    });

    it('declares every external data chunk in config.json', () => {
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      const declared = config['transformers.js_config'].use_external_data_format;
      for (const graph of GRAPHS) {
        const file = `${graph}${DTYPE_PLANS[dtype].suffix}.onnx`;
        const chunks = readdirSync(join(out, 'onnx'))
          .filter((f) => f.startsWith(`${file}_data`))
          .sort();
        expect(chunks.length, file).toBeGreaterThan(0);
        expect(declared[file], file).toBe(chunks.length);
        expect(chunks).toEqual(Array.from({ length: chunks.length }, (_, i) => externalDataName(file, i)).sort());
        expect(existsSync(join(out, 'onnx', externalDataName(file, chunks.length)))).toBe(false);
      }
    });

    describe.each(referenceCases(model))('%s', (name) => {
      it.each(RUNTIMES)('passes parity on %s', async (runtime) => {
        const report = await runParity(out, loadParityCase(join(REFERENCE_ROOT, model, 'cases', name)), dtype, runtime);
        expect(report.failures).toEqual([]);
      });
    });
  });
});
