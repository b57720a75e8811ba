/**
 * The typed surface of workers/inference (called through comlink). The UI never imports the ML library;
 * it only sees these types.
 */
import type { ExtractedFrames } from './frames-protocol.ts';

export type Device = 'webgpu' | 'wasm';
export type ModelDtype = 'fp32' | 'fp16' | 'q4' | 'q4f16';

/** Where a converted model comes from. */
export type ModelSource =
  /** A folder URL (the app's own models/ folder, or wherever the user hosts the files). */
  | { kind: 'url'; url: string }
  /** A Hugging Face hub id. */
  | { kind: 'hub'; id: string }
  /** A converted model folder picked from disk; paths relative to the folder root (e.g. `onnx/decoder_model_merged_q4.onnx`). */
  | { kind: 'files'; name: string; files: { path: string; file: Blob }[] };

export interface LoadOptions {
  /** 'auto' tries WebGPU first and falls back to WASM, reporting why. */
  device: Device | 'auto';
  dtype: ModelDtype;
}

/** transformers.js' per-file progress events, passed through unchanged. */
export interface LoadProgress {
  status: 'initiate' | 'download' | 'progress' | 'done' | 'ready' | string;
  file?: string;
  loaded?: number;
  total?: number;
  progress?: number;
}

export interface LoadResult {
  source: ModelSource;
  device: Device;
  dtype: ModelDtype;
  /** Why WebGPU was not used, when device 'auto' ended on WASM. */
  fallbackReason?: string;
}

export interface AskRequest {
  frames: Pick<ExtractedFrames, 'frames' | 'width' | 'height' | 'timestamps'>;
  /** Video duration in seconds (for the prompt's `00:00-MM:SS`). */
  duration: number;
  question: string;
  maxNewTokens?: number;
  /** 0 or absent: greedy. */
  temperature?: number;
  topP?: number;
}

export interface AskStats {
  frames: number;
  visualTokens: number;
  promptTokens: number;
  generatedTokens: number;
  /** Time to first token, ms (includes the vision encoder and prefill). */
  ttftMs: number;
  tokensPerSecond: number;
}

export interface AskResult {
  text: string;
  stats: AskStats;
  /** True when stop() ended the run early. */
  stopped: boolean;
}

export type InferenceErrorKind = 'load-failed' | 'not-loaded' | 'busy' | 'device-lost' | 'bad-input' | 'generation-failed';

export interface InferenceApi {
  load(source: ModelSource, options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadResult>;
  ask(request: AskRequest, onToken?: (text: string) => void): Promise<AskResult>;
  /** Interrupts a running ask within one token. */
  stop(): void;
  /** Releases the model's sessions. */
  unload(): Promise<void>;
}
