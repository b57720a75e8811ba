/**
 * One conversation's context in the decoder: the tokens its KV cache holds (with what each one is, for prefix
 * reuse), the next M-RoPE position, and `feed`, the only way tokens enter it. A prompt is fed in chunks that
 * extend the cache (identical to one prefill, and stop() is seen between chunks); a decode step is a feed of
 * one token; more prompt (text or vision, with its positions) can be appended after generating.
 */
import { IO } from '../../src/lib/models/model-layout.ts';
import type { FloatData, Tensor } from './graph-backend.ts';
import { KvCache } from './kv-cache.ts';
import type { LoadedModel } from './loaded-model.ts';

/** Vision features written over a run of consecutive pad tokens of a segment. */
export interface SegmentVisual {
  /** Index in the segment of the visual's first pad token. */
  start: number;
  /** Merged features [pads, hidden] in the decoder's float type. */
  rows: FloatData;
  /** What the visual is (its frames' hash, sizes and rate): pads of equal keys hold equal features. */
  key: string;
}

/** Tokens to feed, with their absolute M-RoPE positions (rows t, h, w). */
export interface Segment {
  ids: ArrayLike<number>;
  positions: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
  visuals: readonly SegmentVisual[];
}

export interface FeedOptions {
  /** Tokens per decoder run (the last chunk may be shorter). */
  chunkTokens: number;
  /** Checked before each chunk: true ends the feed early (what was fed stays in the cache). */
  shouldStop?: () => boolean;
  /** After each chunk: tokens of this segment fed so far. */
  onChunk?: (fed: number, total: number) => void;
}

/** What one token in the cache is: a text token's id, or the key of the visual a pad belongs to. */
export type TokenIdentity = number | string;

/** A prompt split after its reusable head: tokens [0, reuse) are already in the cache. */
export function reusablePrefix(held: readonly TokenIdentity[], wanted: readonly TokenIdentity[]): number {
  const limit = Math.min(held.length, wanted.length - 1); // the last token is always fed: its logits start the answer
  let n = 0;
  while (n < limit && held[n] === wanted[n]) n++;
  return n;
}

/** Resolves on a fresh task, so a stop() message queued meanwhile is handled (WASM runs never yield by themselves). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class DecoderContext {
  readonly cache: KvCache;
  /** One identity per cached token. */
  #tokens: TokenIdentity[] = [];
  /** After each cached token: the next text position (max position so far + 1). */
  #nextPositions: number[] = [];
  /** Decoder runs so far (prefill chunks and decode steps), for tests and benchmarks. */
  runs = 0;

  constructor(private readonly model: LoadedModel) {
    const { decoder, attention } = model.settings;
    this.cache = KvCache.for(
      model.backend,
      decoder,
      model.dtype === 'fp16' || model.dtype === 'q4f16' ? 'float16' : 'float32',
      attention,
    );
  }

  /** What the cache holds, token by token. */
  get tokens(): readonly TokenIdentity[] {
    return this.#tokens;
  }

  /** The position the next text token gets (all three M-RoPE rows equal). */
  get nextPosition(): number {
    return this.#nextPositions.at(-1) ?? 0;
  }

  /** Benchmarks only: `length` positions of unspecified content, as if a prompt that long had been fed (kv-cache.ts). */
  async assumeFilled(length: number): Promise<void> {
    await this.cache.assumeFilled(length);
    this.#tokens = new Array<TokenIdentity>(length).fill(-1);
    this.#nextPositions = Array.from({ length }, (_, i) => i + 1);
  }

  /** Forgets everything after the first `length` tokens. */
  async truncate(length: number): Promise<void> {
    await this.cache.truncate(length);
    this.#tokens.length = Math.min(this.#tokens.length, length);
    this.#nextPositions.length = Math.min(this.#nextPositions.length, length);
  }

  /**
   * Feeds a segment in chunks. Returns the float32 logits after its last token, or null when stopped first
   * (the chunks fed so far stay in the cache and in `tokens`).
   */
  async feed(segment: Segment, options: FeedOptions): Promise<Float32Array | null> {
    const total = segment.ids.length;
    const chunk = Math.max(1, Math.floor(options.chunkTokens));
    let logits: Float32Array | null = null;
    for (let start = 0; start < total; start += chunk) {
      await nextTask();
      if (options.shouldStop?.()) return null;
      const end = Math.min(total, start + chunk);
      logits = await this.#run(segment, start, end);
      options.onChunk?.(end, total);
    }
    return logits;
  }

  /** One decoder run over tokens [start, end) of the segment; returns the last position's logits. */
  async #run(segment: Segment, start: number, end: number): Promise<Float32Array> {
    const { Tensor } = this.model.backend;
    const seq = end - start;
    const hidden = this.model.settings.decoder.hiddenSize;
    const ids = Array.from({ length: seq }, (_, i) => segment.ids[start + i]);
    const embeds = await this.model.embed(ids);
    const identities: TokenIdentity[] = ids.slice();
    for (const visual of segment.visuals) {
      const pads = visual.rows.length / hidden;
      const from = Math.max(start, visual.start);
      const to = Math.min(end, visual.start + pads);
      if (from >= to) continue;
      if (visual.rows instanceof Float32Array !== embeds instanceof Float32Array)
        throw new TypeError('vision features and token embeddings have different float types');
      embeds.set(
        visual.rows.subarray((from - visual.start) * hidden, (to - visual.start) * hidden),
        (from - start) * hidden,
      );
      identities.fill(visual.key, from - start, to - start);
    }
    const positions = new BigInt64Array(3 * seq);
    let next = this.nextPosition;
    const nextAfter: number[] = [];
    for (let i = 0; i < seq; i++) {
      for (let r = 0; r < 3; r++) {
        const p = segment.positions[r][start + i];
        positions[r * seq + i] = BigInt(p);
        next = Math.max(next, p + 1);
      }
      nextAfter.push(next);
    }
    const total = this.cache.length + seq;
    const { feeds, fetches } = await this.cache.bind(seq);
    const d = IO.decoder;
    const embedsTensor =
      embeds instanceof Float32Array
        ? new Tensor('float32', embeds, [1, seq, hidden])
        : new Tensor('float16', embeds, [1, seq, hidden]);
    const inputs: Record<string, Tensor> = {
      ...feeds,
      [d.embeds]: embedsTensor,
      [d.attentionMask]: new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      [d.positionIds]: new Tensor('int64', positions, [3, 1, seq]),
      // Only the last position's logits: a prefill chunk needs one row, not chunk x vocab floats.
      [d.logitsToKeep]: new Tensor('int64', BigInt64Array.of(1n), []),
    };
    const hasFetches = Object.keys(fetches).length > 0;
    const outputs = hasFetches
      ? await this.model.decoder.run(inputs, { [d.logits]: null, ...fetches } as never)
      : await this.model.decoder.run(inputs);
    this.runs++;
    this.cache.advance(outputs, seq);
    this.#tokens.push(...identities);
    this.#nextPositions.push(...nextAfter);
    const logits = outputs[d.logits];
    const data = logits.location === 'cpu' ? logits.data : await logits.getData();
    if (!(data instanceof Float32Array)) throw new TypeError(`logits are ${logits.type}, expected float32`);
    const vocab = logits.dims[logits.dims.length - 1];
    return data.length === vocab ? data : data.slice(data.length - vocab);
  }

  release(): void {
    this.cache.release();
    this.#tokens = [];
    this.#nextPositions = [];
  }
}
