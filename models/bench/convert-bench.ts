/**
 * npm run bench:convert -- --preset tiny|0.5b|3b|7b [--dtype q4f16 --dtype q4] [--repeat 3] [--no-chromium]
 * Writes a synthetic bf16 checkpoint of the preset's exact shapes into a temporary folder, then, per dtype,
 * converts it with the CLI in a child process (as a user runs it) on every core and on one thread (--threads 1),
 * and in Chromium: picked through the model panel's convert-input (tests/pages/convert.html), converted by the
 * page's convert worker into OPFS. With --repeat n the three runs take turns n times and the ratios are of
 * medians (single runs on a shared machine vary by 10-15%). Prints seconds, input MB/s and peak memory: the
 * CLI's peak RSS (getrusage maxrss, reported by the child itself) and the browser's peak PSS (renderer, which
 * runs the convert and quantize workers, and all processes). Deletes everything after. Goals (issue 11): the
 * page within 1.3x of the CLI; the multi-core CLI >= 1.6x its single-thread speed on 2 cores; peak memory
 * <= 3 GB.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isDtype, type ModelDtype } from '../../src/lib/models/model-layout.ts';
import { collectConsole, launchChromium, startDevServer } from '../../tests/support/browser.ts';
import { waitForHarness } from '../../tests/support/harness.ts';
import { referenceModelDir, referenceModels } from '../../tests/support/reference.ts';
import { PRESETS, type PresetName } from './presets.ts';
import { chromiumPss, samplePeak } from './process-memory.ts';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.ts';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../converter/cli.ts');

const { values } = parseArgs({
  options: {
    preset: { type: 'string' },
    dtype: { type: 'string', multiple: true, default: ['q4f16', 'q4'] },
    repeat: { type: 'string', default: '1' },
    'no-chromium': { type: 'boolean', default: false },
  },
});
const repeat = Number(values.repeat);
if (
  !values.preset ||
  !(values.preset in PRESETS) ||
  !values.dtype.every(isDtype) ||
  !(Number.isInteger(repeat) && repeat >= 1)
) {
  console.error(
    `usage: npm run bench:convert -- --preset ${Object.keys(PRESETS).join('|')} [--dtype q4f16 --dtype q4] [--repeat 3] [--no-chromium]`,
  );
  process.exit(1);
}
const preset = PRESETS[values.preset as PresetName];
const dtypes = values.dtype as ModelDtype[];

interface Row {
  how: string;
  dtype: ModelDtype;
  seconds: number;
  memory: string;
}

const cliName = (threads: number) => `CLI, ${threads} thread${threads > 1 ? 's' : ''}`;
const CHROMIUM = 'Chromium (page)';

function cliRun(ckpt: string, out: string, dtype: ModelDtype, threads: number): Row {
  const started = performance.now();
  const log = execFileSync(
    process.execPath,
    ['--import', 'tsx', CLI, '--in', ckpt, '--out', out, '--dtype', dtype, '--threads', String(threads)],
    { encoding: 'utf8', maxBuffer: 2 ** 26 },
  );
  const seconds = (performance.now() - started) / 1000;
  const outBytes = Number(execFileSync('du', ['-sb', out], { encoding: 'utf8' }).split('\t')[0]);
  rmSync(out, { recursive: true, force: true });
  return {
    how: cliName(threads),
    dtype,
    seconds,
    memory: `peak RSS ${/peak RSS (\d+) MB/.exec(log)?.[1]} MB; output ${(outBytes / 1e9).toFixed(2)} GB`,
  };
}

/** Converts the checkpoint folder in Chromium, through the panel, into OPFS (a fresh profile per run). */
async function chromiumRun(ckpt: string, dtype: ModelDtype): Promise<Row> {
  const server = await startDevServer();
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    const log = collectConsole(page);
    await page.goto(`${server.url}/tests/pages/convert.html`);
    await waitForHarness(page);
    await page.locator('[data-testid=convert-dtype]').selectOption(dtype);
    const memory = samplePeak(() => {
      const m = chromiumPss(browser.userDataDir);
      return { renderer: m.rendererMb, total: m.totalMb };
    }, 500);
    const started = performance.now();
    await page.locator('[data-testid=convert-input]').setInputFiles(ckpt);
    const ended = page.locator('[data-testid=convert-note], [data-testid=convert-error]').first();
    await ended.waitFor({ timeout: 6 * 3600_000 });
    const seconds = (performance.now() - started) / 1000;
    const peak = memory.stop();
    const note = await ended.innerText();
    if (!note.startsWith('Converted')) throw new Error(`Chromium: ${note}\n${log.slice(-20).join('\n')}`);
    return {
      how: CHROMIUM,
      dtype,
      seconds,
      memory: `peak PSS renderer ${peak.renderer.toFixed(0)} MB, all processes ${peak.total.toFixed(0)} MB; ${note}`,
    };
  } finally {
    await browser.close();
    await server.server.close();
  }
}

const work = mkdtempSync(join(tmpdir(), `rewatch-bench-${values.preset}-`));
try {
  const free = statfsSync(work).bavail * statfsSync(work).bsize;
  console.log(
    `preset ${values.preset}: writing the synthetic checkpoint to ${work} (${(free / 1e9).toFixed(0)} GB free)`,
  );
  const started = performance.now();
  const ckpt = join(work, 'ckpt');
  const inputBytes = writeSyntheticCheckpoint(ckpt, preset);
  // The page also wants the tokenizer files (the app needs them); the reference's are as good as any.
  for (const f of ['tokenizer.json', 'tokenizer_config.json'])
    copyFileSync(join(referenceModelDir(referenceModels()[0]), f), join(ckpt, f));
  // Flushed before timing: otherwise the first run pays for writing the checkpoint back to disk.
  execFileSync('sync');
  console.log(
    `  checkpoint: ${(inputBytes / 1e9).toFixed(2)} GB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const rows: Row[] = [];
  const report = (r: Row) => {
    rows.push(r);
    console.log(
      `  ${r.dtype} ${r.how}: ${r.seconds.toFixed(1)} s, ${(inputBytes / 1e6 / r.seconds).toFixed(1)} MB/s input, ${r.memory}`,
    );
  };
  const times = (how: string, dtype: ModelDtype) =>
    rows
      .filter((r) => r.how === how && r.dtype === dtype)
      .map((r) => r.seconds)
      .sort((a, b) => a - b);
  const median = (how: string, dtype: ModelDtype): number | undefined => {
    const t = times(how, dtype);
    return t.length ? (t[(t.length - 1) >> 1] + t[t.length >> 1]) / 2 : undefined;
  };
  const cores = availableParallelism();
  for (const dtype of dtypes) {
    for (let run = 0; run < repeat; run++) {
      report(cliRun(ckpt, join(work, `out-${dtype}`), dtype, cores));
      if (cores > 1) report(cliRun(ckpt, join(work, `out-${dtype}-1`), dtype, 1));
      if (!values['no-chromium']) report(await chromiumRun(ckpt, dtype));
    }
    const cli = median(cliName(cores), dtype)!;
    const single = median(cliName(1), dtype);
    const page = median(CHROMIUM, dtype);
    const of = repeat > 1 ? ` (medians of ${repeat} runs)` : '';
    if (repeat > 1)
      for (const how of new Set([cliName(cores), cliName(1), CHROMIUM])) {
        const t = times(how, dtype);
        const m = median(how, dtype);
        if (m)
          console.log(
            `  ${dtype} ${how}: median ${m.toFixed(1)} s (${t[0].toFixed(1)}-${t.at(-1)!.toFixed(1)}), ${(inputBytes / 1e6 / m).toFixed(1)} MB/s input`,
          );
      }
    if (cores > 1 && single)
      console.log(`  ${dtype}: CLI on ${cores} cores is ${(single / cli).toFixed(2)}x its single-thread speed${of}`);
    if (page) console.log(`  ${dtype}: the page takes ${(page / cli).toFixed(2)}x the CLI's time${of}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
