/**
 * Checkpoint folder -> transformers.js model folder. Builds the float graphs (vision_encoder, embed_tokens,
 * decoder_model_merged) for each requested dtype, quantizes them when the dtype says so, streams them to
 * a temporary sibling folder and renames it into place only once everything is written: a failed or
 * interrupted conversion never leaves a folder that looks valid.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Checkpoint } from './checkpoint.ts';
import { parseConfig, ConfigError, type QwenVLConfig, type JsonObject } from './config.ts';
import { buildDecoder } from './decoder.ts';
import { buildEmbedTokens } from './embed-tokens.ts';
import { buildVisionEncoder } from './vision-encoder.ts';
import { DTYPES, GRAPHS, isDtype, type AttentionKernel } from '../../src/lib/models/model-layout.ts';
import { DTYPE_PLANS } from './dtypes.ts';
import type { Graph } from './graph.ts';
import { writeModel } from './onnx-writer.ts';
import { OutputSink } from './output-sink.ts';
import { outputConfig } from './output-config.ts';
import { outputPreprocessorConfig } from './output-preprocessor.ts';
import { quantizeMatMuls } from './quantize.ts';

/** Files transformers.js reads besides the graphs, copied through when the checkpoint has them (preprocessor_config.json is completed, see output-preprocessor.ts). */
export const PASSTHROUGH_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'video_preprocessor_config.json',
  'chat_template.json',
  'chat_template.jinja',
  'generation_config.json',
  'vocab.json',
  'merges.txt',
];

export interface ConvertOptions {
  input: string;
  output: string;
  /** Any of DTYPES; anything else is refused with a ConvertError. */
  dtypes: readonly string[];
  /** Decoder attention kernel (see attention.ts); default 'gqa'. */
  attention?: AttentionKernel;
  /** Output writer; tests pass one with a byte budget to simulate a full disk. */
  sink?: OutputSink;
  /** Graphs with more weight bytes than this use external data (default 512 MiB). */
  inlineLimitBytes?: number;
  /** External data file size limit (default 2 GB, what browsers can fetch into one ArrayBuffer). */
  chunkBytes?: number;
  log?: (line: string) => void;
}

export interface ConvertResult {
  files: string[];
  /** Bytes of checkpoint tensors (input size, for throughput). */
  inputBytes: number;
  outputBytes: number;
}

export class ConvertError extends Error {
  override name = 'ConvertError';
}

export function loadConfig(dir: string): QwenVLConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new ConvertError(`${dir}: no config.json (not a Hugging Face checkpoint folder?)`);
  let raw: JsonObject;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ConfigError(`${path}: not valid JSON`);
  }
  return parseConfig(raw);
}

export async function convert(opts: ConvertOptions): Promise<ConvertResult> {
  const log = opts.log ?? (() => {});
  if (!opts.dtypes.length) throw new ConvertError('no --dtype given');
  const bad = opts.dtypes.filter((d) => !isDtype(d));
  if (bad.length) throw new ConvertError(`unsupported dtype ${bad.join(', ')}; expected one of ${DTYPES.join(', ')}`);
  if (!existsSync(opts.input)) throw new ConvertError(`input folder ${opts.input} does not exist`);
  const cfg = loadConfig(opts.input);
  const ckpt = Checkpoint.open(opts.input);
  const sink = opts.sink ?? new OutputSink();
  const out = resolve(opts.output);
  const tmp = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'onnx'), { recursive: true });
  const files: string[] = [];
  const externalChunks: Record<string, number> = {};
  try {
    for (const dtype of opts.dtypes.filter(isDtype)) {
      const plan = DTYPE_PLANS[dtype];
      const graphs: Record<(typeof GRAPHS)[number], () => Graph> = {
        vision_encoder: () => buildVisionEncoder(ckpt, cfg, { floatType: plan.floatType }),
        embed_tokens: () => buildEmbedTokens(ckpt, cfg, { floatType: plan.floatType }),
        decoder_model_merged: () => buildDecoder(ckpt, cfg, { floatType: plan.floatType, attention: opts.attention }),
      };
      for (const name of GRAPHS) {
        const started = performance.now();
        const g = graphs[name]();
        if (plan.quantize) quantizeMatMuls(g, { floatType: plan.floatType });
        const file = `${name}${plan.suffix}.onnx`;
        const written = await writeModel(g, join(tmp, 'onnx'), file, {
          sink,
          inlineLimitBytes: opts.inlineLimitBytes ?? 512 * 2 ** 20,
          chunkBytes: opts.chunkBytes ?? 2e9,
        });
        if (written.externalChunks) externalChunks[file] = written.externalChunks;
        files.push(`onnx/${file}`);
        log(
          `${file}: ${(written.weightBytes / 1e6).toFixed(1)} MB of weights${written.externalChunks ? ` in ${written.externalChunks} external data file(s)` : ''}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
      }
    }
    const config = outputConfig(cfg.raw, externalChunks, cfg.text.headDim, {
      decoder_attention: opts.attention ?? 'gqa',
    });
    sink.writeFile(join(tmp, 'config.json'), new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`));
    for (const f of PASSTHROUGH_FILES)
      if (existsSync(join(opts.input, f))) copyFileSync(join(opts.input, f), join(tmp, f));
    const preprocessor = join(opts.input, 'preprocessor_config.json');
    if (existsSync(preprocessor)) {
      const json = outputPreprocessorConfig(JSON.parse(readFileSync(preprocessor, 'utf8')));
      sink.writeFile(
        join(tmp, 'preprocessor_config.json'),
        new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`),
      );
    }
    const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
    if (existsSync(out)) renameSync(out, old);
    renameSync(tmp, out);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { files, inputBytes: ckpt.totalBytes(), outputBytes: sink.bytesWritten };
}
