/**
 * The CLI's conversion: a checkpoint folder on disk -> a transformers.js model folder on disk (the shared
 * converter is conversion.ts). The output is staged in a temporary sibling folder and renamed into place
 * only once everything is written: a failed or interrupted conversion never leaves a folder that looks valid.
 */
import { existsSync } from 'node:fs';
import type { AttentionKernel } from '../../src/lib/models/model-layout.ts';
import { Checkpoint, diskFiles } from './checkpoint.ts';
import type { QwenVLConfig } from './config.ts';
import {
  checkDtypes,
  ConvertError,
  inspectCheckpoint,
  readConfig,
  writeConversion,
  type ConversionProgress,
  type ConvertResult,
} from './conversion.ts';
import { nodeQuantizePool } from './node-quantize-pool.ts';
import { DiskOutputFolder } from './output-sink.ts';
import type { OutputWriter } from './output-target.ts';

export { ConvertError, PASSTHROUGH_FILES, type ConvertResult } from './conversion.ts';

export interface ConvertOptions {
  input: string;
  output: string;
  /** Any of DTYPES; anything else is refused with a ConvertError. */
  dtypes: readonly string[];
  /** Decoder attention kernel (see attention.ts); default 'gqa'. */
  attention?: AttentionKernel;
  /** Output writer; tests pass one with a byte budget to simulate a full disk. */
  sink?: OutputWriter;
  /** Graphs with more weight bytes than this use external data (default 512 MiB). */
  inlineLimitBytes?: number;
  /** External data file size limit (default 2 GB, what browsers can fetch into one ArrayBuffer). */
  chunkBytes?: number;
  log?: (line: string) => void;
  onProgress?: (p: ConversionProgress) => void;
  /** Threads that quantize (worker_threads); default 1, this thread. The bytes do not depend on it. */
  threads?: number;
}

export function loadConfig(dir: string): QwenVLConfig {
  return readConfig(diskFiles(dir));
}

export async function convert(opts: ConvertOptions): Promise<ConvertResult> {
  checkDtypes(opts.dtypes);
  if (!existsSync(opts.input)) throw new ConvertError(`input folder ${opts.input} does not exist`);
  const pool = (opts.threads ?? 1) > 1 ? nodeQuantizePool(opts.threads) : undefined;
  try {
    const plan = inspectCheckpoint(diskFiles(opts.input), opts.dtypes, {
      attention: opts.attention,
      open: (files) => new Checkpoint(files),
      quantizer: pool,
    });
    return await writeConversion(plan, new DiskOutputFolder(opts.output, opts.sink), opts);
  } finally {
    pool?.terminate();
  }
}
