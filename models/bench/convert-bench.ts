/**
 * npm run bench:convert -- --preset tiny|0.5b|3b|7b [--dtype q4f16 --dtype q4]
 * Writes a synthetic bf16 checkpoint of the preset's exact shapes into a temporary folder, converts it
 * once per dtype in a child process (the CLI, as a user runs it), and prints seconds, input MB/s and the
 * converter process's peak RSS (getrusage maxrss, reported by the child itself). Deletes everything after.
 * Goal on the 7B: peak RSS <= 3 GB.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PRESETS, type PresetName } from './presets.ts';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.ts';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../converter/cli.ts');

const { values } = parseArgs({
  options: { preset: { type: 'string' }, dtype: { type: 'string', multiple: true, default: ['q4f16', 'q4'] } },
});
if (!values.preset || !(values.preset in PRESETS)) {
  console.error(
    `usage: npm run bench:convert -- --preset ${Object.keys(PRESETS).join('|')} [--dtype q4f16 --dtype q4]`,
  );
  process.exit(1);
}
const preset = PRESETS[values.preset as PresetName];
const work = mkdtempSync(join(tmpdir(), `rewatch-bench-${values.preset}-`));
try {
  const free = statfsSync(work).bavail * statfsSync(work).bsize;
  console.log(
    `preset ${values.preset}: writing the synthetic checkpoint to ${work} (${(free / 1e9).toFixed(0)} GB free)`,
  );
  let started = performance.now();
  const inputBytes = writeSyntheticCheckpoint(join(work, 'ckpt'), preset);
  console.log(
    `  checkpoint: ${(inputBytes / 1e9).toFixed(2)} GB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const dtype of values.dtype) {
    const out = join(work, `out-${dtype}`);
    started = performance.now();
    const log = execFileSync(
      process.execPath,
      ['--import', 'tsx', CLI, '--in', join(work, 'ckpt'), '--out', out, '--dtype', dtype],
      { encoding: 'utf8', maxBuffer: 2 ** 26 },
    );
    const seconds = (performance.now() - started) / 1000;
    const rss = Number(/peak RSS (\d+) MB/.exec(log)?.[1]);
    const outBytes = Number(execFileSync('du', ['-sb', out], { encoding: 'utf8' }).split('\t')[0]);
    console.log(
      `  ${dtype}: ${seconds.toFixed(1)} s, ${(inputBytes / 1e6 / seconds).toFixed(1)} MB/s input, peak RSS ${rss} MB, output ${(outBytes / 1e9).toFixed(2)} GB`,
    );
    for (const line of log.split('\n').filter((l) => l.includes('.onnx'))) console.log(`    ${line}`);
    rmSync(out, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
