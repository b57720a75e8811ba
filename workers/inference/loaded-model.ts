/**
 * A converted Qwen2.5-VL / ReWatch-R1 folder, opened on one backend: its three sessions, tokenizer, chat
 * template and settings. The graphs are opened one after another (two at once would hold both graphs'
 * weights in memory while copying them to the device), and each is checked against the layout the loop needs
 * before its weights are read, so an old or foreign export fails fast with a message naming what to redo.
 */
import { MAX_VISION_PATCHES_PER_CHUNK } from '../../src/lib/generation/generation-defaults.ts';
import {
  externalDataChunks,
  externalDataNames,
  GRAPHS,
  IO,
  missingNames,
  onnxPath,
  type GraphName,
  type ModelDtype,
} from '../../src/lib/models/model-layout.ts';
import type { Patches } from '../../src/lib/preprocess/patchify.ts';
import { floatData, type FloatData, type GraphBackend, type InferenceSession } from './graph-backend.ts';
import type { ModelFolder } from './model-folder.ts';
import type { ModelSettings } from './model-settings.ts';
import { loadPromptKit, type PromptKit } from './prompt-kit.ts';

/** Per-file progress while loading, in the shape the UI sums over files. */
export interface FileProgress {
  file: string;
  loaded: number;
  total: number;
}

/** A folder whose graphs do not have the inputs and outputs the loop runs (an older or foreign export). */
export class ModelLayoutError extends Error {
  override readonly name = 'ModelLayoutError';
}

function reconvertAdvice(dtype: ModelDtype): string {
  return `re-convert the checkpoint with this version's converter: npm run convert -- --in <checkpoint folder> --out <model folder> --dtype ${dtype}`;
}

/** Names that cannot be inputs or outputs of the graph because its bytes never mention them. */
function absentNames(graph: GraphName, layers: number, bytes: Uint8Array): string[] {
  const text = new TextDecoder('latin1').decode(bytes.length > 64 * 2 ** 20 ? bytes.subarray(0, 64 * 2 ** 20) : bytes);
  return missingNames(graph, layers, [], []).filter((n) => !text.includes(n.slice(n.indexOf(' ') + 1)));
}

export interface OpenModelOptions {
  onProgress?: (progress: FileProgress) => void;
}

export class LoadedModel {
  private constructor(
    readonly folder: ModelFolder,
    readonly backend: GraphBackend,
    readonly dtype: ModelDtype,
    readonly kit: PromptKit,
    private readonly sessions: Record<GraphName, InferenceSession>,
  ) {}

  get settings(): ModelSettings {
    return this.kit.settings;
  }

  /**
   * Opens the folder's graphs of `dtype` on `backend`.
   * @throws ModelLayoutError when a graph lacks an input or output the loop needs; MissingModelFile when a file is missing.
   */
  static async open(
    folder: ModelFolder,
    backend: GraphBackend,
    dtype: ModelDtype,
    options: OpenModelOptions = {},
  ): Promise<LoadedModel> {
    const kit = await loadPromptKit(folder);
    const { config } = kit;
    const { layers } = kit.settings.decoder;
    const sessions: Partial<Record<GraphName, InferenceSession>> = {};
    try {
      for (const graph of GRAPHS) {
        const file = onnxPath(graph, dtype);
        const bytes = await folder.read(file);
        if (!bytes)
          throw new ModelLayoutError(
            `${folder.label} has no ${file}: this folder was not converted to ${dtype}; ${reconvertAdvice(dtype)}`,
          );
        const absent = absentNames(graph, layers, bytes);
        if (absent.length) throw new ModelLayoutError(`${file} lacks ${absent.join(', ')}: ${reconvertAdvice(dtype)}`);
        options.onProgress?.({ file, loaded: 0, total: 1 });
        const session = await backend.openSession(
          folder,
          file,
          externalDataNames(file, externalDataChunks(config, file)),
          {
            // The decoder's present outputs stay where the KV cache lives (kv-cache.ts).
            gpuOutputs:
              graph === 'decoder_model_merged'
                ? Array.from({ length: layers }, (_, i) => [
                    IO.decoder.presentKey(i),
                    IO.decoder.presentValue(i),
                  ]).flat()
                : [],
          },
        );
        sessions[graph] = session;
        const missing = missingNames(graph, layers, session.inputNames, session.outputNames);
        if (missing.length)
          throw new ModelLayoutError(`${file} lacks ${missing.join(', ')}: ${reconvertAdvice(dtype)}`);
        options.onProgress?.({ file, loaded: 1, total: 1 });
      }
    } catch (error) {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
      throw error;
    } finally {
      await folder.release?.();
    }
    return new LoadedModel(folder, backend, dtype, kit, sessions as Record<GraphName, InferenceSession>);
  }

  get decoder(): InferenceSession {
    return this.sessions.decoder_model_merged;
  }

  /**
   * Merged vision features [tokens, hidden] of one image or video, in the original (un-windowed) order. Qwen2.5-VL's
   * vision attention never crosses a temporal slice, so whole temporal steps are encoded in chunks (identical
   * rows, bounded memory on 192-frame videos). Null when `shouldStop` says so between two chunks.
   */
  async encodeVisual(
    patches: Patches,
    shouldStop: () => boolean = () => false,
    onChunk?: (stepsDone: number, steps: number) => void,
  ): Promise<FloatData | null> {
    const [t, h, w] = patches.grid;
    const patchesPerStep = h * w;
    const patchDim = patches.pixelValues.length / (t * patchesPerStep);
    if (!Number.isInteger(patchDim))
      throw new TypeError(`pixel values (${patches.pixelValues.length}) do not fit grid ${t}x${h}x${w}`);
    const stepsPerChunk = Math.max(1, Math.floor(MAX_VISION_PATCHES_PER_CHUNK / patchesPerStep));
    const { Tensor } = this.backend;
    const parts: FloatData[] = [];
    for (let start = 0; start < t; start += stepsPerChunk) {
      if (shouldStop()) return null;
      const steps = Math.min(stepsPerChunk, t - start);
      const rows = patches.pixelValues.subarray(
        start * patchesPerStep * patchDim,
        (start + steps) * patchesPerStep * patchDim,
      );
      const out = await this.sessions.vision_encoder.run({
        [IO.vision.pixelValues]: new Tensor('float32', rows, [steps * patchesPerStep, patchDim]),
        [IO.vision.grid]: new Tensor('int64', BigInt64Array.of(BigInt(steps), BigInt(h), BigInt(w)), [1, 3]),
      });
      parts.push(await floatData(out[IO.vision.features]));
      onChunk?.(start + steps, t);
    }
    return concat(parts);
  }

  /** Token embeddings [ids.length, hidden] in the decoder's float type. */
  async embed(ids: ArrayLike<number>): Promise<FloatData> {
    const { Tensor } = this.backend;
    const out = await this.sessions.embed_tokens.run({
      [IO.embed.inputIds]: new Tensor('int64', BigInt64Array.from(Array.from(ids, BigInt)), [1, ids.length]),
    });
    return floatData(out[IO.embed.embeds]);
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }
}

function concat(parts: FloatData[]): FloatData {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = parts[0] instanceof Float32Array ? new Float32Array(total) : new Uint16Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
