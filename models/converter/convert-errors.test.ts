/**
 * Bad input gets a clear error naming the problem, and never leaves an output folder that looks valid:
 * each case starts from a copy of the sharded reference checkpoint (links to its files) with one thing
 * broken. A full disk is simulated by an OutputSink with a byte budget (no tmpfs mount needed); the real
 * ENOSPC errno goes through the same DiskFullError path.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  copyFileSync,
  statSync,
  writeFileSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convert } from './convert.ts';
import { OutputSink } from './output-sink.ts';
import { REPO_ROOT, referenceModelDir } from '../../tests/support/reference.ts';

const SHARDED = referenceModelDir('qwen2_5_vl_tiny_untied');
const SINGLE = referenceModelDir('qwen2_5_vl_tiny');
const root = mkdtempSync(join(tmpdir(), 'rewatch-convert-errors-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let work: string;
let ckpt: string;
let out: string;
beforeEach((ctx) => {
  work = join(root, ctx.task.id);
  ckpt = join(work, 'ckpt');
  out = join(work, 'out');
  mkdirSync(ckpt, { recursive: true });
});

/** A checkpoint folder whose files link to `from`'s, except those the test replaces. */
function linkCheckpoint(from: string): void {
  for (const f of readdirSync(from)) symlinkSync(join(from, f), join(ckpt, f));
}

/** The two JSON files these tests edit: config.json and the shard index. */
interface EditableJson {
  model_type?: string;
  architectures?: string[];
  weight_map: Record<string, string>;
}

function replaceJson(file: string, edit: (json: EditableJson) => void): void {
  const json = JSON.parse(readFileSync(join(ckpt, file), 'utf8'));
  unlinkSync(join(ckpt, file));
  edit(json);
  writeFileSync(join(ckpt, file), JSON.stringify(json));
}

/** Nothing in the work folder but the checkpoint: no output, no temporary sibling. */
function expectNoOutput(): void {
  expect(readdirSync(work)).toEqual(['ckpt']);
}

async function expectFailure(message: RegExp, dtypes = ['q4']): Promise<void> {
  await expect(convert({ input: ckpt, output: out, dtypes })).rejects.toThrow(message);
  expectNoOutput();
}

describe('convert refuses bad input', () => {
  it('missing config.json', async () => {
    linkCheckpoint(SHARDED);
    unlinkSync(join(ckpt, 'config.json'));
    await expectFailure(/no config\.json/);
  });

  it('missing shard file', async () => {
    linkCheckpoint(SHARDED);
    unlinkSync(join(ckpt, 'model-00002-of-00002.safetensors'));
    await expectFailure(/missing shard file\(s\).*model-00002-of-00002\.safetensors/);
  });

  it('no weights at all', async () => {
    copyFileSync(join(SHARDED, 'config.json'), join(ckpt, 'config.json'));
    await expectFailure(/no model\.safetensors or model\.safetensors\.index\.json/);
  });

  it('tensor listed in the index but in no shard', async () => {
    linkCheckpoint(SHARDED);
    replaceJson(
      'model.safetensors.index.json',
      (j) => (j.weight_map['model.layers.9.mlp.up_proj.weight'] = 'model-00001-of-00002.safetensors'),
    );
    await expectFailure(/"model\.layers\.9\.mlp\.up_proj\.weight" is listed in the index .* not in any shard/);
  });

  it('tensor the model needs missing from the index', async () => {
    linkCheckpoint(SHARDED);
    replaceJson('model.safetensors.index.json', (j) => delete j.weight_map['model.layers.1.mlp.up_proj.weight']);
    await expectFailure(/"model\.layers\.1\.mlp\.up_proj\.weight" is missing from the checkpoint/);
  });

  it('unsupported architecture', async () => {
    linkCheckpoint(SHARDED);
    replaceJson('config.json', (j) => {
      j.model_type = 'llama';
      j.architectures = ['LlamaForCausalLM'];
    });
    await expectFailure(/unsupported architecture: model_type "llama"/);
  });

  it('unsupported dtype', async () => {
    linkCheckpoint(SHARDED);
    await expectFailure(/unsupported dtype int8; expected one of fp32, fp16, q4, q4f16/, ['fp32', 'int8']);
  });

  it('unsupported tensor dtype', async () => {
    linkCheckpoint(SINGLE);
    const file = join(ckpt, 'model.safetensors');
    unlinkSync(file);
    const bytes = readFileSync(join(SINGLE, 'model.safetensors'));
    const n = Number(bytes.readBigUInt64LE(0));
    // Same length, so the header stays valid JSON of the same size: BF16 -> U16 (not a safetensors dtype here).
    const header = bytes
      .subarray(8, 8 + n)
      .toString('utf8')
      .replace('"BF16"', '"U16" ');
    writeFileSync(file, Buffer.concat([bytes.subarray(0, 8), Buffer.from(header), bytes.subarray(8 + n)]));
    await expectFailure(/unsupported dtype U16/);
  });

  it('truncated safetensors', async () => {
    linkCheckpoint(SHARDED);
    const shard = join(ckpt, 'model-00002-of-00002.safetensors');
    unlinkSync(shard);
    copyFileSync(join(SHARDED, 'model-00002-of-00002.safetensors'), shard);
    truncateSync(shard, statSync(shard).size - 1000);
    await expectFailure(
      /model-00002-of-00002\.safetensors: truncated: tensor ".*" ends at byte \d+ but the file has \d+ bytes/,
    );
  });

  it('full disk, mid-conversion', async () => {
    linkCheckpoint(SHARDED);
    await expect(
      convert({ input: ckpt, output: out, dtypes: ['fp32'], sink: new OutputSink(20_000_000) }),
    ).rejects.toThrow(/no space left on device writing .*\.onnx/);
    expectNoOutput();
  });

  it('a failed conversion leaves an earlier good output in place', async () => {
    linkCheckpoint(SHARDED);
    await convert({ input: ckpt, output: out, dtypes: ['q4'] });
    const before = readdirSync(join(out, 'onnx')).sort();
    await expect(
      convert({ input: ckpt, output: out, dtypes: ['fp32'], sink: new OutputSink(1_000_000) }),
    ).rejects.toThrow(/no space left/);
    expect(readdirSync(work).sort()).toEqual(['ckpt', 'out']);
    expect(readdirSync(join(out, 'onnx')).sort()).toEqual(before);
  });
});

describe('convert CLI', () => {
  it('prints the error and exits 1', () => {
    linkCheckpoint(SHARDED);
    let stderr = '';
    let status = 0;
    try {
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, 'models/converter/cli.ts'), '--in', ckpt, '--out', out, '--dtype', 'int4'],
        { stdio: 'pipe' },
      );
    } catch (e) {
      ({ status } = e as { status: number });
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/^convert: unsupported dtype int4/);
    expect(existsSync(out)).toBe(false);
  });
});
