/**
 * Checkpoint folder -> transformers.js model folder, wherever the files are: the CLI (convert.ts, node:fs)
 * and the page's convert worker (workers/convert) both run this. inspectCheckpoint validates the folder
 * and builds the float graphs (vision_encoder, embed_tokens, decoder_model_merged) of each requested dtype,
 * quantized when the dtype says so, without reading any weight; writeConversion then streams them into an
 * OutputFolder's staging folder, one weight at a time, and commits it only once everything is written.
 */
import { DTYPES, GRAPHS, isDtype, type AttentionKernel, type ModelDtype } from '../../src/lib/models/model-layout.ts';
import { readAll, readText, type CheckpointFiles } from './checkpoint-files.ts';
import { CheckpointReader } from './checkpoint-reader.ts';
import { parseConfig, ConfigError, type QwenVLConfig, type JsonObject } from './config.ts';
import { buildDecoder } from './decoder.ts';
import { DTYPE_PLANS } from './dtypes.ts';
import { buildEmbedTokens } from './embed-tokens.ts';
import type { Graph } from './graph.ts';
import { weightBytes, writeModel } from './onnx-writer.ts';
import { outputConfig } from './output-config.ts';
import { outputPreprocessorConfig } from './output-preprocessor.ts';
import type { OutputFolder } from './output-target.ts';
import { quantizeMatMuls } from './quantize.ts';
import type { QuantizeRunner } from './quantize-runner.ts';
import { textKeys } from './text-keys.ts';
import { buildVisionEncoder } from './vision-encoder.ts';
import { castTables } from './weights.ts';

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

export class ConvertError extends Error {
  override name = 'ConvertError';
}

/** Raised between two weights when the caller asked to stop. */
export class ConversionCancelled extends Error {
  override name = 'ConversionCancelled';
}

/** The requested dtypes, or a ConvertError naming what is wrong with them. */
export function checkDtypes(dtypes: readonly string[]): ModelDtype[] {
  if (!dtypes.length) throw new ConvertError('no --dtype given');
  const bad = dtypes.filter((d) => !isDtype(d));
  if (bad.length) throw new ConvertError(`unsupported dtype ${bad.join(', ')}; expected one of ${DTYPES.join(', ')}`);
  return dtypes.filter(isDtype);
}

/** The folder's config.json, parsed and checked (ConfigError naming the offending key). */
export function readConfig(files: CheckpointFiles): QwenVLConfig {
  if (!files.has('config.json'))
    throw new ConvertError(`${files.where}: no config.json (not a Hugging Face checkpoint folder?)`);
  let raw: JsonObject;
  try {
    raw = JSON.parse(readText(files, 'config.json'));
  } catch {
    throw new ConfigError(`${files.where}/config.json: not valid JSON`);
  }
  return parseConfig(raw);
}

/** One graph file to write: `onnx/<graph><suffix>.onnx`. */
interface PlannedGraph {
  file: string;
  graph: Graph;
}

/** A checked checkpoint and the graphs it converts to, nothing read but headers and JSON. */
export interface ConversionPlan {
  files: CheckpointFiles;
  ckpt: CheckpointReader;
  cfg: QwenVLConfig;
  attention: AttentionKernel;
  graphs: PlannedGraph[];
  /** Weights the writer streams, over all graphs (progress: tensor i of n). */
  weights: number;
  /** Checkpoint bytes read over the whole conversion (per dtype, the checkpoint once and a tied embedding twice). */
  readBytes: number;
  /** Bytes the output folder will hold, within a few kB (the graphs' structure is not counted). */
  outputBytes: number;
}

export interface InspectOptions {
  /** Decoder attention kernel (see attention.ts); default 'gqa'. */
  attention?: AttentionKernel;
  /** How to open the checkpoint (the CLI's Checkpoint reads from disk); default a CheckpointReader over `files`. */
  open?: (files: CheckpointFiles) => CheckpointReader;
  /** Where weights are quantized and tables cast, a slice at a time (default: this thread); a pool uses the cores. */
  quantizer?: QuantizeRunner;
}

/** Validates the folder (dtypes, config, architecture, shards, index) and plans its conversion. */
export function inspectCheckpoint(
  files: CheckpointFiles,
  requested: readonly string[],
  opts: InspectOptions = {},
): ConversionPlan {
  const dtypes = checkDtypes(requested);
  const cfg = readConfig(files);
  const ckpt = (opts.open ?? ((f) => new CheckpointReader(f)))(files);
  const attention = opts.attention ?? 'gqa';
  const graphs: PlannedGraph[] = [];
  for (const dtype of dtypes) {
    const plan = DTYPE_PLANS[dtype];
    const build: Record<(typeof GRAPHS)[number], () => Graph> = {
      vision_encoder: () => buildVisionEncoder(ckpt, cfg, { floatType: plan.floatType }),
      embed_tokens: () => buildEmbedTokens(ckpt, cfg, { floatType: plan.floatType }),
      decoder_model_merged: () => buildDecoder(ckpt, cfg, { floatType: plan.floatType, attention }),
    };
    for (const name of GRAPHS) {
      const graph = build[name]();
      if (opts.quantizer) castTables(graph, opts.quantizer);
      if (plan.quantize) quantizeMatMuls(graph, { floatType: plan.floatType, runner: opts.quantizer });
      graphs.push({ file: `${name}${plan.suffix}.onnx`, graph });
    }
  }
  const extra = [...PASSTHROUGH_FILES, 'preprocessor_config.json'].filter((f) => files.has(f));
  // A tied checkpoint's embedding table is read twice per dtype: as the table, and as lm_head.
  const keys = textKeys(ckpt);
  const [begin, end] = ckpt.info(keys.lmHead).dataOffsets;
  const readPerDtype = ckpt.totalBytes() + (keys.tied ? end - begin : 0);
  return {
    files,
    ckpt,
    cfg,
    attention,
    graphs,
    weights: graphs.reduce((n, g) => n + g.graph.weights.length, 0),
    readBytes: readPerDtype * dtypes.length,
    outputBytes:
      graphs.reduce((n, g) => n + g.graph.weights.reduce((m, w) => m + weightBytes(w), 0), 0) +
      extra.reduce((n, f) => n + files.size(f), 0),
  };
}

/** Where a conversion is, after each weight written. */
export interface ConversionProgress {
  /** Weights written so far, of `weights`. */
  weight: number;
  weights: number;
  /** Checkpoint bytes read so far, of `readBytes`. */
  bytesRead: number;
  readBytes: number;
}

export interface WriteConversionOptions {
  /** Graphs with more weight bytes than this use external data (default 512 MiB). */
  inlineLimitBytes?: number;
  /** External data file size limit (default 2 GB, what browsers can fetch into one ArrayBuffer). */
  chunkBytes?: number;
  log?: (line: string) => void;
  onProgress?: (p: ConversionProgress) => void;
  /** Checked after each weight; true stops the conversion (ConversionCancelled) and discards what was written. */
  cancelled?: () => boolean;
}

export interface ConvertResult {
  /** The graph files written, relative to the output folder. */
  files: string[];
  /** Bytes of checkpoint tensors (input size, for throughput). */
  inputBytes: number;
  outputBytes: number;
}

/** Writes the planned conversion into `out`; on any failure (or cancel) the staging folder is removed. */
export async function writeConversion(
  plan: ConversionPlan,
  out: OutputFolder,
  opts: WriteConversionOptions = {},
): Promise<ConvertResult> {
  const log = opts.log ?? (() => {});
  const { files: input, ckpt } = plan;
  const sink = out.writer;
  const dir = out.staging;
  const files: string[] = [];
  const externalChunks: Record<string, number> = {};
  const readStart = ckpt.bytesRead;
  let weight = 0;
  const onWeight = () => {
    weight++;
    opts.onProgress?.({
      weight,
      weights: plan.weights,
      bytesRead: ckpt.bytesRead - readStart,
      readBytes: plan.readBytes,
    });
    if (opts.cancelled?.()) throw new ConversionCancelled('conversion cancelled');
  };
  await out.prepare();
  try {
    for (const { file, graph } of plan.graphs) {
      const started = performance.now();
      const written = await writeModel(graph, `${dir}/onnx`, file, {
        sink,
        inlineLimitBytes: opts.inlineLimitBytes ?? 512 * 2 ** 20,
        chunkBytes: opts.chunkBytes ?? 2e9,
        onWeight,
      });
      if (written.externalChunks) externalChunks[file] = written.externalChunks;
      files.push(`onnx/${file}`);
      log(
        `${file}: ${(written.weightBytes / 1e6).toFixed(1)} MB of weights${written.externalChunks ? ` in ${written.externalChunks} external data file(s)` : ''}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    const json = (value: JsonObject) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
    const config = outputConfig(plan.cfg.raw, externalChunks, plan.cfg.text.headDim, {
      decoder_attention: plan.attention,
    });
    await sink.writeFile(`${dir}/config.json`, json(config));
    for (const f of PASSTHROUGH_FILES) if (input.has(f)) await sink.writeFile(`${dir}/${f}`, readAll(input, f));
    if (input.has('preprocessor_config.json'))
      await sink.writeFile(
        `${dir}/preprocessor_config.json`,
        json(outputPreprocessorConfig(JSON.parse(readText(input, 'preprocessor_config.json')))),
      );
    await out.commit();
  } catch (e) {
    await out.discard();
    throw e;
  }
  return { files, inputBytes: ckpt.totalBytes(), outputBytes: sink.bytesWritten };
}
