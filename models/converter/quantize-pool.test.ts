/**
 * The CLI's quantization pool (worker_threads) writes exactly the bytes of the single-threaded converter:
 * slices of rows are quantized (or, for embedding tables, cast) independently and placed at their rows,
 * whatever thread finishes first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DTYPES } from '../../src/lib/models/model-layout.ts';
import { convert } from './convert.ts';
import { referenceModelDir, referenceModels } from '../../tests/support/reference.ts';

const root = mkdtempSync(join(tmpdir(), 'rewatch-quantize-pool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const files = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe.each(referenceModels())('%s', (model) => {
  it('every dtype on 3 threads: the same files, byte for byte, as on one', async () => {
    const one = join(root, `${model}-1`);
    const three = join(root, `${model}-3`);
    const input = referenceModelDir(model);
    await convert({ input, output: one, dtypes: [...DTYPES] });
    await convert({ input, output: three, dtypes: [...DTYPES], threads: 3 });
    expect(files(three)).toEqual(files(one));
    for (const f of files(one).filter((f) => statSync(join(one, f)).isFile())) {
      expect(readFileSync(join(three, f)).equals(readFileSync(join(one, f))), f).toBe(true);
    }
  });
});
