/**
 * The converted model's contract, in one place: which graphs a model folder holds, how a dtype names their
 * files, where external weights go, the graphs' input and output names, and the marker the converter writes
 * into config.json. The converter writes to it, the catalog and download planner count with it, and the
 * generation loop checks a folder against it before running anything.
 */

/** The three graphs of a converted Qwen2.5-VL, in the order they are loaded. */
export const GRAPHS = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] as const;
export type GraphName = (typeof GRAPHS)[number];

export const DTYPES = ['fp32', 'fp16', 'q4', 'q4f16'] as const;
export type ModelDtype = (typeof DTYPES)[number];

export function isDtype(s: string): s is ModelDtype {
  return (DTYPES as readonly string[]).includes(s);
}

/** File-name suffix per dtype (transformers.js' naming, which onnx-community folders follow too). */
export const DTYPE_SUFFIX: Record<ModelDtype, string> = { fp32: '', fp16: '_fp16', q4: '_q4', q4f16: '_q4f16' };

/** Activations, KV cache and unquantized weights: half precision for the 'f16' dtypes, else float32. */
export function floatTypeOf(dtype: ModelDtype): 'float32' | 'float16' {
  return dtype === 'fp16' || dtype === 'q4f16' ? 'float16' : 'float32';
}

/** The ONNX file of one graph in one dtype, relative to the model folder. */
export function onnxPath(graph: GraphName, dtype: ModelDtype): string {
  return `onnx/${graph}${DTYPE_SUFFIX[dtype]}.onnx`;
}

/** External weight file `index` of an ONNX file (`<file>_data`, `<file>_data_1`, ...), relative to its folder. */
export function externalDataName(onnxFile: string, index: number): string {
  return `${onnxFile.split('/').pop()!}_data${index === 0 ? '' : `_${index}`}`;
}

export function externalDataNames(onnxFile: string, chunks: number): string[] {
  return Array.from({ length: chunks }, (_, i) => externalDataName(onnxFile, i));
}

/** How many external data files each ONNX file has: config.json `transformers.js_config.use_external_data_format`. */
export function externalDataChunks(config: Record<string, unknown>, onnxFile: string): number {
  const js = config['transformers.js_config'];
  const table =
    typeof js === 'object' && js !== null ? (js as Record<string, unknown>).use_external_data_format : undefined;
  if (typeof table !== 'object' || table === null) return 0;
  const value = (table as Record<string, unknown>)[onnxFile.split('/').pop()!];
  return typeof value === 'number' ? value : value === true ? 1 : 0;
}

/**
 * Embedding tables above this are split into row blocks, each its own initializer: a tensor cannot span
 * external data files, browsers cap one ArrayBuffer near 2 GB (the 7B's float32 table is 2.2 GB), and WebGPU
 * adapters commonly cap one buffer at 1 GiB.
 */
export const MAX_TABLE_PART_BYTES = 2 ** 30;

/** Rows per embedding-table block (the whole table when it fits one). */
export function tableRowsPerPart(vocab: number, hidden: number, bytesPerValue: number): number {
  return Math.min(vocab, Math.floor(MAX_TABLE_PART_BYTES / (hidden * bytesPerValue)));
}

/** Graph input and output names. */
export const IO = {
  vision: { pixelValues: 'pixel_values', grid: 'image_grid_thw', features: 'image_features' },
  embed: { inputIds: 'input_ids', embeds: 'inputs_embeds' },
  decoder: {
    embeds: 'inputs_embeds',
    attentionMask: 'attention_mask',
    positionIds: 'position_ids',
    logitsToKeep: 'num_logits_to_keep',
    logits: 'logits',
    pastKey: (layer: number) => `past_key_values.${layer}.key`,
    pastValue: (layer: number) => `past_key_values.${layer}.value`,
    presentKey: (layer: number) => `present.${layer}.key`,
    presentValue: (layer: number) => `present.${layer}.value`,
  },
} as const;

/** What a graph must take and give for the generation loop (names only; shapes are checked by the runtime). */
export function requiredNames(graph: GraphName, layers: number): { inputs: string[]; outputs: string[] } {
  switch (graph) {
    case 'vision_encoder':
      return { inputs: [IO.vision.pixelValues, IO.vision.grid], outputs: [IO.vision.features] };
    case 'embed_tokens':
      return { inputs: [IO.embed.inputIds], outputs: [IO.embed.embeds] };
    case 'decoder_model_merged': {
      const d = IO.decoder;
      const layerIndexes = Array.from({ length: layers }, (_, i) => i);
      return {
        inputs: [
          d.embeds,
          d.attentionMask,
          d.positionIds,
          d.logitsToKeep,
          ...layerIndexes.flatMap((i) => [d.pastKey(i), d.pastValue(i)]),
        ],
        outputs: [d.logits, ...layerIndexes.flatMap((i) => [d.presentKey(i), d.presentValue(i)])],
      };
    }
  }
}

/**
 * The names a graph lacks, for a clear message. Old or foreign exports (e.g. a decoder that returns logits for
 * every prompt position, 7 GB on a 12k-token video prompt) cannot run in the loop.
 */
export function missingNames(
  graph: GraphName,
  layers: number,
  inputNames: readonly string[],
  outputNames: readonly string[],
): string[] {
  const want = requiredNames(graph, layers);
  return [
    ...want.inputs.filter((n) => !inputNames.includes(n)).map((n) => `input ${n}`),
    ...want.outputs.filter((n) => !outputNames.includes(n)).map((n) => `output ${n}`),
  ];
}

/** The decoder's attention kernel: 'gqa' (GroupQueryAttention, KV cache updated in place) or 'sdpa' (standard ops). */
export type AttentionKernel = 'gqa' | 'sdpa';

/** The key the converter writes into config.json to describe its graphs. */
export const LAYOUT_KEY = 'rewatch_web';

export interface LayoutMarker {
  /** Which attention kernel the decoder uses: only GroupQueryAttention can write the KV cache in place. */
  decoder_attention: AttentionKernel;
}

/** The converter's marker, or null for a folder converted before it existed or elsewhere. */
export function layoutMarker(config: Record<string, unknown>): LayoutMarker | null {
  const value = config[LAYOUT_KEY];
  if (typeof value !== 'object' || value === null) return null;
  const attention = (value as Record<string, unknown>).decoder_attention;
  return attention === 'gqa' || attention === 'sdpa' ? { decoder_attention: attention } : null;
}
