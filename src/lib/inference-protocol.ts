/**
 * The typed surface of workers/inference (called through comlink). The UI never imports the ML library;
 * it only sees these types.
 */
import type { ChatMessage } from './chat-template.ts';
import type { ExtractedFrames } from './frames-protocol.ts';

export type { ChatMessage };

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

/** Sampling settings shared by ask and chat. */
export interface GenerationOptions {
  /** Default 2048 (ReWatch-R1's training traces reach 2,045 tokens). */
  maxNewTokens?: number;
  /** 0 or absent: greedy. */
  temperature?: number;
  topP?: number;
}

/** A ReWatch question about one video: the worker builds the ReWatch prompt around it. */
export interface AskRequest extends GenerationOptions {
  /**
   * The sampled frames. `sampleFps` (the frame plan's effective rate, qwen-vl-utils' sample_fps) sets
   * second_per_grid_t = temporal_patch_size / sampleFps in the position ids.
   */
  frames: Pick<ExtractedFrames, 'frames' | 'width' | 'height' | 'timestamps' | 'sampleFps'>;
  /** Video duration in seconds (for the prompt's `00:00-MM:SS`). */
  duration: number;
  question: string;
}

/** One image or video at the model's input size (smart_resize already applied), RGB uint8 [height][width][3]. */
export type VisualInput =
  | { kind: 'image'; width: number; height: number; pixels: Uint8Array }
  | { kind: 'video'; width: number; height: number; frames: Uint8Array[]; sampleFps: number };

/**
 * Any prompt: messages (`{ type: 'image' | 'video' }` parts mark where visuals go) plus their visuals in order
 * of appearance (tests, batch evaluation).
 */
export interface ChatRequest extends GenerationOptions {
  messages: ChatMessage[];
  visuals: VisualInput[];
}

export interface AskStats {
  /** Video frames (plus one per image) that went through the vision encoder. */
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
  /** The generated token ids (what batch evaluation and reference checks compare). */
  tokenIds: number[];
  stats: AskStats;
  /** True when stop() ended the run early. */
  stopped: boolean;
}

export type InferenceErrorKind = 'load-failed' | 'not-loaded' | 'busy' | 'device-lost' | 'bad-input' | 'generation-failed';

export interface InferenceApi {
  load(source: ModelSource, options: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadResult>;
  /** Streams the answer to a question about a video; text pieces arrive through onToken. */
  ask(request: AskRequest, onToken?: (text: string) => void): Promise<AskResult>;
  /** The same for an arbitrary prompt with images and videos. */
  chat(request: ChatRequest, onToken?: (text: string) => void): Promise<AskResult>;
  /** Interrupts a running ask within one token. */
  stop(): void;
  /** Releases the model's sessions. */
  unload(): Promise<void>;
}
