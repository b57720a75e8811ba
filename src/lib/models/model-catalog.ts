/**
 * The model catalog (models/manifest.json), typed, with the pure arithmetic the capability check and the
 * download planner need: which files a dtype loads, how many bytes they weigh, how much memory a run needs.
 * Sizes come from the architecture (parameters per block x bits per parameter), so a new entry never carries
 * a hand-typed size that can drift from the files the converter writes.
 */
import manifest from '../../../models/manifest.json';
import type { ModelSource } from '../protocol/inference-protocol.ts';
import { DEFAULT_PREFILL_CHUNK, MAX_VISION_PATCHES_PER_CHUNK } from '../generation/generation-defaults.ts';
import { floatTypeOf, tableRowsPerPart, type ModelDtype } from './model-layout.ts';

export interface TextArchitecture {
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  /** True when lm_head reuses the embedding table (no separate output matrix). */
  tiedEmbeddings: boolean;
}

export interface VisionArchitecture {
  hiddenSize: number;
  intermediateSize: number;
  depth: number;
  /** The merger's output width (the text model's hidden size). */
  outHiddenSize: number;
}

export interface FrameBudget {
  /** Frames sampled from a video (two frames make one temporal grid step). */
  maxFrames: number;
  /** Visual tokens per temporal step after the 2x2 merge (ReWatch: 128, i.e. 128*28*28 pixels per frame). */
  tokensPerTemporalStep: number;
  maxNewTokens: number;
}

/** Model sources a catalog entry can name (a picked folder is never a catalog entry). */
export type CatalogSource = Extract<ModelSource, { kind: 'url' } | { kind: 'hub' }>;

export interface CatalogEntry {
  id: string;
  name: string;
  /** False for models that were not post-trained on ReWatch-CoT: the UI says so. */
  rewatchTrained: boolean;
  source: CatalogSource;
  /** Dtypes this entry is published in, best first. */
  dtypes: ModelDtype[];
  architecture: { text: TextArchitecture; vision: VisionArchitecture };
  frameBudget: FrameBudget;
  /** The exact step that produces the files (a command), shown when they are missing. */
  howToGet: string;
  note: string;
}

/** GPU features a dtype needs: fp16 activations need shader-f16. */
export const DTYPE_FEATURES: Record<ModelDtype, string[]> = {
  fp32: [],
  fp16: ['shader-f16'],
  q4: [],
  q4f16: ['shader-f16'],
};

export const CATALOG: readonly CatalogEntry[] = manifest.models as CatalogEntry[];

export function catalogEntry(id: string): CatalogEntry {
  const entry = CATALOG.find((e) => e.id === id);
  if (!entry) throw new TypeError(`unknown catalog id "${id}"`);
  return entry;
}

/** Parameter counts, split by how the converter stores them. */
export interface ParameterCounts {
  /** Weights of MatMuls (what 4-bit quantization turns into MatMulNBits), lm_head included. */
  matmul: number;
  /** The token embedding table (a Gather, never quantized). */
  embedding: number;
  /** Norms, biases and the patch-embedding convolution: always float. */
  other: number;
}

export function parameterCounts({ text: t, vision: v }: CatalogEntry['architecture']): ParameterCounts {
  const q = t.heads * t.headDim;
  const kv = t.kvHeads * t.headDim;
  const textLayer = t.hiddenSize * (2 * q + 2 * kv) + 3 * t.hiddenSize * t.intermediateSize;
  const lmHead = t.tiedEmbeddings ? 0 : t.vocab * t.hiddenSize;
  const visionBlock = 4 * v.hiddenSize * v.hiddenSize + 3 * v.hiddenSize * v.intermediateSize;
  const merged = 4 * v.hiddenSize;
  const merger = merged * merged + merged * v.outHiddenSize;
  const matmul = t.layers * textLayer + lmHead + v.depth * visionBlock + merger;
  const textOther = t.layers * (q + 2 * kv + 2 * t.hiddenSize) + t.hiddenSize;
  const visionOther =
    v.depth * (3 * v.hiddenSize + v.hiddenSize + 2 * v.intermediateSize + v.hiddenSize + 2 * v.hiddenSize);
  const patchEmbed = v.hiddenSize * 3 * 2 * 14 * 14;
  const mergerOther = v.hiddenSize + merged + v.outHiddenSize;
  return { matmul, embedding: t.vocab * t.hiddenSize, other: textOther + visionOther + patchEmbed + mergerOther };
}

/**
 * Bits per parameter as the converter stores them (models/converter/dtypes.ts). 4-bit: block 32 with one scale
 * per block, in the activation type (fp16 for q4f16, fp32 for q4); everything unquantized, the embedding table
 * included, is in the activation type.
 */
const BITS: Record<ModelDtype, { matmul: number; embedding: number; other: number }> = {
  fp32: { matmul: 32, embedding: 32, other: 32 },
  fp16: { matmul: 16, embedding: 16, other: 16 },
  q4: { matmul: 4 + 32 / 32, embedding: 32, other: 32 },
  q4f16: { matmul: 4 + 16 / 32, embedding: 16, other: 16 },
};

/**
 * Bytes of all weights of one dtype (the download, less tokenizer and configs). A tied lm_head is stored
 * twice: as the embedding table in embed_tokens and as a (quantized) MatMul in the decoder.
 */
export function weightBytes(entry: CatalogEntry, dtype: ModelDtype): number {
  const p = parameterCounts(entry.architecture);
  const t = entry.architecture.text;
  const matmul = p.matmul + (t.tiedEmbeddings ? t.vocab * t.hiddenSize : 0);
  const b = BITS[dtype];
  return Math.ceil((matmul * b.matmul + p.embedding * b.embedding + p.other * b.other) / 8);
}

/** Bytes per activation element: the 'f16' dtypes compute in half precision, the others in float32. */
function activationBytes(dtype: ModelDtype): number {
  return floatTypeOf(dtype) === 'float16' ? 2 : 4;
}

/**
 * The largest single weight tensor the converter writes for this dtype (what one device buffer must hold):
 * an embedding-table block (tables are split at 1 GiB, model-layout.ts) or lm_head, 4-bit packed as
 * MatMulNBits' [N, K/32, 16] bytes when quantized.
 */
export function largestWeightTensor(entry: CatalogEntry, dtype: ModelDtype): number {
  const t = entry.architecture.text;
  const table = BITS[dtype].embedding / 8;
  const tablePart = tableRowsPerPart(t.vocab, t.hiddenSize, table) * t.hiddenSize * table;
  const quantized = BITS[dtype].matmul < 16;
  const lmHead = quantized ? (t.vocab * t.hiddenSize) / 2 : t.vocab * t.hiddenSize * table;
  const mlp = quantized ? (t.intermediateSize * t.hiddenSize) / 2 : t.intermediateSize * t.hiddenSize * table;
  return Math.max(tablePart, lmHead, mlp);
}

export interface MemoryEstimate {
  weights: number;
  /** KV cache at the longest context the frame budget allows (all visual tokens, a prompt, maxNewTokens). */
  kvCache: number;
  /** The largest intermediate tensors alive at once (MLP of one vision-encoder or prefill chunk). */
  activations: number;
  total: number;
  /** The largest single buffer the runtime must allocate (compared with maxBufferSize). */
  largestBuffer: number;
  contextTokens: number;
}

/** Tokens of a ReWatch prompt besides the video (system prompt, question, chat markup). */
const PROMPT_TEXT_TOKENS = 300;

export function memoryEstimate(entry: CatalogEntry, dtype: ModelDtype): MemoryEstimate {
  const { text: t, vision: v } = entry.architecture;
  const f = entry.frameBudget;
  const act = activationBytes(dtype);
  const visualTokens = (f.maxFrames / 2) * f.tokensPerTemporalStep;
  const prefillTokens = visualTokens + PROMPT_TEXT_TOKENS;
  const contextTokens = prefillTokens + f.maxNewTokens;
  const kvCache = t.layers * 2 * t.kvHeads * t.headDim * contextTokens * act;
  // The loop encodes and prefills in chunks (generation-defaults.ts); gate, up and their product live
  // together in a SwiGLU MLP.
  const visionMlp = 3 * Math.min(visualTokens * 4, MAX_VISION_PATCHES_PER_CHUNK) * v.intermediateSize * act;
  const prefillMlp = 3 * Math.min(prefillTokens, DEFAULT_PREFILL_CHUNK) * t.intermediateSize * act;
  const activations = Math.max(visionMlp, prefillMlp);
  const weights = weightBytes(entry, dtype);
  const kvLayerBuffer = kvCache / (2 * t.layers);
  const largestBuffer = Math.max(largestWeightTensor(entry, dtype), kvLayerBuffer, prefillMlp / 3, visionMlp / 3);
  return { weights, kvCache, activations, total: weights + kvCache + activations, largestBuffer, contextTokens };
}

/** Human-readable bytes (GB = 1e9 bytes, as disks and download sizes are quoted). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
