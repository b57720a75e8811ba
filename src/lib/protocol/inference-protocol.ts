/**
 * The typed surface of workers/inference (called through comlink). The UI never imports the ML library;
 * it only sees these types. Failures come back as values (app-error.ts: an Outcome whose failure has an
 * InferenceErrorKind), as the frames worker's do.
 */
import type { Outcome } from './app-error.ts';
import type { ChatMessage } from '../generation/chat-template.ts';
import type { RunEnding } from '../trace/run-ending.ts';
import type { ExtractedFrames } from './frames-protocol.ts';
import type { ModelDtype } from '../models/model-layout.ts';
import type { Verdict } from '../generation/evidence-check.ts';
import type { CitedRange, ClipPlan } from '../preprocess/rewatch-clip.ts';
import type { RewatchEvidence } from '../trace/trace-evidence.ts';

export type { ChatMessage };

export type { ModelDtype };

export type Device = 'webgpu' | 'wasm';

/** Where a converted model comes from. */
export type ModelSource =
  /** A folder URL (the app's own models/ folder, or wherever the user hosts the files). */
  | { kind: 'url'; url: string }
  /** A Hugging Face hub id. */
  | { kind: 'hub'; id: string }
  /** A converted model folder picked from disk; paths relative to the folder root (e.g. `onnx/decoder_model_merged_q4.onnx`). */
  | { kind: 'files'; name: string; files: { path: string; file: Blob }[] };

/** 'auto' picks WebGPU on a hardware adapter and WASM otherwise (no WebGPU, or a software adapter), saying why. */
export type DeviceChoice = Device | 'auto';

export interface LoadOptions {
  device: DeviceChoice;
  dtype: ModelDtype;
  /**
   * Whether the model fits WASM's 4 GiB memory (the panel knows its size; default true). 'auto' keeps a
   * software WebGPU adapter for a model that does not.
   */
  wasmFits?: boolean;
}

/** Bytes of one model file read so far while loading (weights are read as they are copied to the device). */
export interface LoadProgress {
  file: string;
  loaded: number;
  total: number;
}

export interface LoadResult {
  source: ModelSource;
  device: Device;
  dtype: ModelDtype;
  /** Why this device, in words for a person (what was asked for, what the browser offers). */
  deviceReason: string;
  /** True when the decoder's KV cache is updated in place (GroupQueryAttention on WebGPU or Node); false: it grows each step. */
  kvInPlace: boolean;
}

/** Sampling settings shared by ask and chat. */
export interface GenerationOptions {
  /** Default 2048 (ReWatch-R1's training traces reach 2,045 tokens). */
  maxNewTokens?: number;
  /** 0 or absent: greedy. */
  temperature?: number;
  topP?: number;
  /**
   * Prompt tokens per decoder run while prefilling (default DEFAULT_PREFILL_CHUNK, src/lib/generation/generation-defaults.ts);
   * stop() is honoured between two runs.
   */
  prefillChunkTokens?: number;
}

/** A ReWatch question about one video: the worker builds the ReWatch prompt around it. */
export interface AskRequest extends GenerationOptions {
  /**
   * The sampled frames (transferred by the page's client, not copied). `sampleFps` (the frame plan's
   * effective rate, qwen-vl-utils' sample_fps) sets second_per_grid_t = temporal_patch_size / sampleFps in
   * the position ids.
   */
  frames: Pick<ExtractedFrames, 'frames' | 'width' | 'height' | 'sampleFps'>;
  /** Video duration in seconds (for the prompt's `00:00-MM:SS`). */
  duration: number;
  question: string;
  /**
   * Grounded re-watch (src/lib/generation/grounded-rewatch.ts; experimental): each `<action>` citing a time
   * pauses the answer until the clip of that time (from the ask's `clipFrames`) is appended. Absent: off.
   */
  grounded?: GroundedRequest;
}

export interface GroundedRequest {
  /** At most this many re-watches per answer; later cited actions are left as text. */
  maxRewatches: number;
  /**
   * Test hook (the tiny test models never write actions): assistant text appended as if generated once
   * `forcedAfterTokens` tokens (default 0) have been, e.g. `<action>re-watch 00:02-00:04</action>`.
   */
  forcedPrefix?: string;
  forcedAfterTokens?: number;
}

/**
 * A re-watched range's frames at the model's input size (RGB uint8 [height][width][3]), with the clip plan's
 * span and timing (src/lib/preprocess/rewatch-clip.ts planClip).
 */
export interface RewatchClip extends Pick<ClipPlan, 'start' | 'end' | 'clamped' | 'note' | 'times' | 'sampleFps'> {
  width: number;
  height: number;
  frames: Uint8Array[];
}

/** The page's decoder of cited ranges for a grounded ask: the clip, or null when the run was stopped meanwhile. */
export type ClipSource = (cited: CitedRange) => Promise<RewatchClip | null>;

/** One observation's evidence check (src/lib/generation/evidence-check.ts). */
export interface EvidenceCheck {
  /** The question the model was asked. */
  question: string;
  /** P(yes) / (P(yes) + P(no)) at the first answer token, in [0, 1]. */
  score: number;
  verdict: Verdict;
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
  /** Video frames (plus one per image) of the prompt's visuals. */
  frames: number;
  visualTokens: number;
  promptTokens: number;
  /** Prompt tokens whose KV cache came from the previous question (same video, settings and prompt head). */
  reusedTokens: number;
  generatedTokens: number;
  /** Vision encoder time, ms (0 when every visual's features were cached or reused). */
  visionMs: number;
  /** Prefill time (the prompt tokens not reused), ms, and the decoder runs it took. */
  prefillMs: number;
  prefillChunks: number;
  /** Time to first token, ms (includes the vision encoder and prefill). */
  ttftMs: number;
  tokensPerSecond: number;
}

/** Where a run is before its first token, for the UI's progress line. */
export type RunProgress =
  | { phase: 'vision'; done: number; total: number; elapsedMs: number }
  | { phase: 'prefill'; done: number; total: number; reused: number; elapsedMs: number };

export interface AskResult {
  text: string;
  /** The generated token ids (what batch evaluation and reference checks compare). */
  tokenIds: number[];
  stats: AskStats;
  /** True when stop() ended the run early. */
  stopped: boolean;
  /** Why generation ended: an end token, the token limit, or Stop. */
  ended: RunEnding;
  /** The grounded re-watches made, in order (empty when not grounded). */
  rewatches: RewatchEvidence[];
}

/** Error kinds the UI can switch on to show a specific message. */
export type InferenceErrorKind =
  'load-failed' | 'out-of-memory' | 'not-loaded' | 'busy' | 'device-lost' | 'bad-input' | 'generation-failed';

/** What load, ask and chat resolve to. */
export type InferenceOutcome<T> = Outcome<T, InferenceErrorKind>;

export interface InferenceApi {
  load(
    source: ModelSource,
    options: LoadOptions,
    onProgress?: (p: LoadProgress) => void,
  ): Promise<InferenceOutcome<LoadResult>>;
  /**
   * Streams the answer to a question about a video; text pieces arrive through onToken, progress before the
   * first token through onProgress. A grounded request takes each cited range's clip from `clipFrames` (a
   * request without it is answered ungrounded) and reports each re-watch through `onRewatch` once its clip
   * has been appended.
   */
  ask(
    request: AskRequest,
    onToken?: (text: string) => void,
    onProgress?: (progress: RunProgress) => void,
    clipFrames?: ClipSource,
    onRewatch?: (rewatch: RewatchEvidence) => void,
  ): Promise<InferenceOutcome<AskResult>>;
  /** The same for an arbitrary prompt with images and videos. */
  chat(
    request: ChatRequest,
    onToken?: (text: string) => void,
    onProgress?: (progress: RunProgress) => void,
  ): Promise<InferenceOutcome<AskResult>>;
  /**
   * Asks the loaded model whether `clip` shows `observation` (evidence-check.ts's prompt, a cold run beside
   * the conversation, which it leaves alone). Null when stopped; 'busy' while another run goes on.
   */
  checkEvidence(observation: string, clip: RewatchClip): Promise<InferenceOutcome<EvidenceCheck | null>>;
  /** Interrupts a running ask or evidence check: within one token while generating, one chunk while prefilling. */
  stop(): void;
  /** Releases the model's sessions. */
  unload(): Promise<void>;
}
