/**
 * The typed surface of workers/convert (called through comlink): a checkpoint folder picked in the page is
 * checked, then converted into the Origin Private File System under `models/<folder name>/`, at the same
 * relative paths as `npm run convert`'s output folder. Failures come back as values (app-error.ts).
 */
import type { Outcome } from './app-error.ts';
import type { ModelDtype } from '../models/model-layout.ts';

/** The OPFS folder that holds converted models, one subfolder each. */
export const OPFS_MODELS_DIR = 'models';

/** The staging folder a conversion writes into, renamed to `name` only once complete (never listed as a model). */
export function stagingFolderName(name: string): string {
  return `.${name}.partial`;
}

/** A picked checkpoint folder: its name and its files, paths relative to it (`config.json`, `model.safetensors`). */
export interface ConvertRequest {
  name: string;
  files: { path: string; file: Blob }[];
  dtypes: ModelDtype[];
  /** The folder in OPFS to write (default `name`): another name when the person keeps an existing model too. */
  saveAs?: string;
}

/** What a checked folder converts to. */
export interface ConvertPlanSummary {
  name: string;
  dtypes: ModelDtype[];
  /** Weights written over all graphs (progress counts them). */
  weights: number;
  /** Checkpoint bytes read over the conversion (per dtype, the checkpoint once and a tied embedding twice). */
  readBytes: number;
  /** Bytes the output will take in OPFS (a few kB short: graph structure is not counted). */
  outputBytes: number;
}

/** After each weight written. */
export interface ConvertProgress {
  weight: number;
  weights: number;
  bytesRead: number;
  readBytes: number;
  elapsedMs: number;
}

export interface ConvertedFolder {
  name: string;
  /** Graph files written, relative to the folder. */
  files: string[];
  outputBytes: number;
  seconds: number;
}

/**
 * 'bad-checkpoint': the converter refused the folder (its message says why); 'disk-full': storage ran out;
 * 'cancelled': cancel() was called; 'failed': anything else (a bug, or the browser failed).
 */
export type ConvertErrorKind = 'bad-checkpoint' | 'disk-full' | 'cancelled' | 'failed';

export type ConvertOutcome<T> = Outcome<T, ConvertErrorKind>;

export interface ConvertApi {
  /** Checks the folder as the converter does (config, architecture, shards, index) and sizes the output. */
  inspect(request: ConvertRequest): Promise<ConvertOutcome<ConvertPlanSummary>>;
  /**
   * Converts into OPFS. `cancelFlag` is a shared Int32Array[1] the page sets to 1 to cancel (checked after
   * each weight, while the worker is busy and cannot take messages); nothing of a cancelled or failed
   * conversion remains.
   */
  convert(
    request: ConvertRequest,
    cancelFlag: Int32Array,
    onProgress: (p: ConvertProgress) => void,
  ): Promise<ConvertOutcome<ConvertedFolder>>;
}
