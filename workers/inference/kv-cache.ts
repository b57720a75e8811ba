/**
 * The decoder's KV cache across runs, in one of two modes:
 * - in place (GroupQueryAttention graphs on a backend with a KvStore): one [1, kvHeads, capacity, headDim]
 *   tensor per layer and kind, allocated once and given to every run both as past_key_values and as the
 *   pre-allocated present output. GQA then writes only the new positions (ORT's past_present_share_buffer
 *   mode, chosen when past and present share a buffer) and attends to `length` positions: no allocation and
 *   no copy of the cache per step. It grows (copying once) only when a run needs more than its capacity.
 * - growing (WASM, whose runs copy every input into the wasm heap; standard-ops graphs, whose Concat makes a
 *   new present): each run's present outputs are the next run's past inputs.
 */
import { IO } from '../../src/lib/models/model-layout.ts';
import type { FloatType, GraphBackend, KvStore, Tensor } from './graph-backend.ts';
import type { DecoderShape } from './model-settings.ts';

/** Feeds and pre-allocated outputs for one decoder run. */
export interface KvBinding {
  feeds: Record<string, Tensor>;
  /** Pre-allocated outputs (in place), or empty: the runtime allocates present tensors. */
  fetches: Record<string, Tensor>;
}

/** Positions the in-place cache starts with, and how it grows (x2, at least what the run needs). */
const INITIAL_CAPACITY = 1024;

export class KvCache {
  /**
   * Present tensors the runtime handed back that are not the cache's own storage: new KV tensors (growing mode:
   * 2 per layer and run), or copies (onnxruntime-node copies every output into a fresh JS array, pre-allocated
   * ones included). Zero on WebGPU in place: benchmarks and tests count it.
   */
  runtimeKvTensors = 0;
  #length = 0;
  #capacity = 0;
  /** Per layer: [key, value]. In place: capacity-sized storage; growing: the last run's present tensors. */
  #tensors: [Tensor, Tensor][] = [];

  constructor(
    private readonly backend: GraphBackend,
    private readonly shape: DecoderShape,
    private readonly floatType: FloatType,
    /** Null: growing mode. */
    private readonly store: KvStore | null,
  ) {}

  /** In place only with GroupQueryAttention graphs on a backend that keeps storage between runs. */
  static for(
    backend: GraphBackend,
    shape: DecoderShape,
    floatType: FloatType,
    attention: 'gqa' | 'sdpa' | null,
  ): KvCache {
    return new KvCache(backend, shape, floatType, attention === 'gqa' ? backend.kvStore : null);
  }

  get inPlace(): boolean {
    return this.store !== null;
  }

  /** Positions held. */
  get length(): number {
    return this.#length;
  }

  /** Positions the in-place storage holds without growing (0 in growing mode). */
  get capacity(): number {
    return this.#capacity;
  }

  /** Makes room for `total` positions ahead of time (in place; a no-op when growing). */
  async reserve(total: number): Promise<void> {
    if (!this.store || total <= this.#capacity) return;
    const capacity = Math.max(total, this.#capacity * 2, INITIAL_CAPACITY);
    const dims = [1, this.shape.kvHeads, capacity, this.shape.headDim];
    const grown: [Tensor, Tensor][] = [];
    for (let layer = 0; layer < this.shape.layers; layer++) {
      const pair: [Tensor, Tensor] = [
        this.store.allocate(this.floatType, dims),
        this.store.allocate(this.floatType, dims),
      ];
      const old = this.#tensors[layer];
      if (old && this.#length > 0)
        for (let k = 0; k < 2; k++) await this.store.copyPrefix(old[k], pair[k], this.#length);
      grown.push(pair);
    }
    this.#releaseAll();
    this.#tensors = grown;
    this.#capacity = capacity;
  }

  /** Past inputs (and, in place, the outputs that alias them) for a run adding `seq` positions. */
  async bind(seq: number): Promise<KvBinding> {
    const d = IO.decoder;
    const feeds: Record<string, Tensor> = {};
    const fetches: Record<string, Tensor> = {};
    if (this.store) {
      await this.reserve(this.#length + seq);
      this.#tensors.forEach(([key, value], i) => {
        feeds[d.pastKey(i)] = fetches[d.presentKey(i)] = key;
        feeds[d.pastValue(i)] = fetches[d.presentValue(i)] = value;
      });
    } else {
      if (this.#tensors.length === 0)
        this.#tensors = Array.from({ length: this.shape.layers }, () => [this.#empty(), this.#empty()]);
      this.#tensors.forEach(([key, value], i) => {
        feeds[d.pastKey(i)] = key;
        feeds[d.pastValue(i)] = value;
      });
    }
    return { feeds, fetches };
  }

  /** After a run that added `seq` positions: growing mode keeps its present outputs as the next past. */
  advance(outputs: Record<string, Tensor>, seq: number): void {
    const d = IO.decoder;
    const presents: [Tensor, Tensor][] = this.#tensors.map((_, i) => [
      outputs[d.presentKey(i)],
      outputs[d.presentValue(i)],
    ]);
    presents.forEach((pair, layer) =>
      pair.forEach((t, k) => t && !sameStorage(t, this.#tensors[layer][k]) && this.runtimeKvTensors++),
    );
    if (!this.store) {
      this.#releaseAll();
      this.#tensors = presents;
    } else {
      // In place, a present output that is not ours (a copy) is dropped; a GPU one would leak its buffer.
      for (const pair of presents)
        for (const t of pair)
          if (t?.location === 'gpu-buffer' && !this.#tensors.some((own) => own.some((o) => sameStorage(t, o))))
            t.dispose();
    }
    this.#length += seq;
  }

  /**
   * Benchmarks only: the cache holds `length` positions of unspecified content (zeros), as if a prompt that
   * long had been prefilled. Decode speed at a context length does not depend on the values.
   */
  async assumeFilled(length: number): Promise<void> {
    this.release();
    if (this.store) {
      // Room for the steps a benchmark then decodes, so none of them grows the cache.
      await this.reserve(length + 256);
    } else {
      const dims = [1, this.shape.kvHeads, length, this.shape.headDim];
      const size = dims.reduce((a, b) => a * b, 1);
      const zeros = (): Tensor =>
        this.floatType === 'float32'
          ? new this.backend.Tensor('float32', new Float32Array(size), dims)
          : new this.backend.Tensor('float16', new Uint16Array(size), dims);
      this.#tensors = Array.from({ length: this.shape.layers }, () => [zeros(), zeros()]);
    }
    this.#length = length;
  }

  /** Keeps the first `length` positions (prefix reuse). In place this only moves the end; growing mode slices. */
  async truncate(length: number): Promise<void> {
    if (length >= this.#length) return;
    if (!this.store && length > 0) {
      const kept: [Tensor, Tensor][] = [];
      for (const pair of this.#tensors)
        kept.push([await this.#slice(pair[0], length), await this.#slice(pair[1], length)]);
      this.#releaseAll();
      this.#tensors = kept;
    } else if (!this.store) {
      this.#releaseAll();
      this.#tensors = [];
    }
    this.#length = length;
  }

  /** Frees the storage; the cache is empty afterwards. */
  release(): void {
    this.#releaseAll();
    this.#tensors = [];
    this.#length = 0;
    this.#capacity = 0;
  }

  #releaseAll(): void {
    for (const pair of this.#tensors) {
      for (const t of pair) {
        if (this.store) this.store.release(t);
        else if (t.location === 'gpu-buffer') t.dispose();
      }
    }
  }

  #empty(): Tensor {
    const dims = [1, this.shape.kvHeads, 0, this.shape.headDim];
    return this.floatType === 'float32'
      ? new this.backend.Tensor('float32', new Float32Array(0), dims)
      : new this.backend.Tensor('float16', new Uint16Array(0), dims);
  }

  /** The first `length` positions of a growing-mode tensor [1, heads, n, headDim], on the CPU. */
  async #slice(tensor: Tensor, length: number): Promise<Tensor> {
    const [, heads, n, dim] = tensor.dims;
    const source = tensor.location === 'cpu' ? tensor.data : await tensor.getData();
    if (!(source instanceof Float32Array) && !ArrayBuffer.isView(source))
      throw new TypeError('KV cache tensors are float tensors');
    const bits =
      source instanceof Float32Array
        ? source
        : new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2);
    const out =
      bits instanceof Float32Array ? new Float32Array(heads * length * dim) : new Uint16Array(heads * length * dim);
    for (let h = 0; h < heads; h++) out.set(bits.subarray(h * n * dim, (h * n + length) * dim), h * length * dim);
    return out instanceof Float32Array
      ? new this.backend.Tensor('float32', out, [1, heads, length, dim])
      : new this.backend.Tensor('float16', out, [1, heads, length, dim]);
  }
}

/** Whether two tensors are views of the same memory (the same object, GPU buffer or typed array). */
function sameStorage(a: Tensor, b: Tensor): boolean {
  if (a === b) return true;
  if (a.location === 'gpu-buffer' && b.location === 'gpu-buffer') return a.gpuBuffer === b.gpuBuffer;
  return a.location === 'cpu' && b.location === 'cpu' && a.data === b.data;
}
