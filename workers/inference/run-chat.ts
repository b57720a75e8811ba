/**
 * Answers, one token at a time. A Generation prepares the prompt (src/lib), reuses the part of it the KV
 * cache already holds (a second question about the same video), encodes vision features (or takes the last
 * run's), prefills the rest in chunks, then samples tokens one by one; more context (text, images, video
 * clips) can be appended between two tokens and generation goes on from the same cache. runChat is the plain
 * loop over it that the app's worker, `npm run ask`, parity and the benchmarks all use.
 */
import { contentHash } from '../../src/lib/preprocess/content-hash.ts';
import { DEFAULT_MAX_NEW_TOKENS, DEFAULT_PREFILL_CHUNK } from '../../src/lib/generation/generation-defaults.ts';
import type {
  AskResult,
  AskStats,
  ChatRequest,
  RunProgress,
  VisualInput,
} from '../../src/lib/protocol/inference-protocol.ts';
import { AppError } from '../../src/lib/protocol/app-error.ts';
import { sampleToken } from '../../src/lib/generation/token-sampling.ts';
import { TokenTextStream } from '../../src/lib/generation/token-text-stream.ts';
import { visionTokenCount } from '../../src/lib/preprocess/vision-tokens.ts';
import {
  DecoderContext,
  reusablePrefix,
  type Segment,
  type SegmentVisual,
  type TokenIdentity,
} from './decoder-context.ts';
import type { FloatData } from './graph-backend.ts';
import type { LoadedModel } from './loaded-model.ts';
import { prepareChat, prepareText, type PreparedChat } from './prepare-chat.ts';
import type { PromptKit } from './prompt-kit.ts';

/** A loaded model with its conversation state: what run after run reuses. */
export class ChatSession {
  readonly context: DecoderContext;
  /** The last run's vision features by visual key (a second question about the same video skips the encoder). */
  #features = new Map<string, FloatData>();

  constructor(readonly model: LoadedModel) {
    this.context = new DecoderContext(model);
  }

  featuresOf(key: string): FloatData | undefined {
    return this.#features.get(key);
  }

  /** Keeps exactly these features (the current run's): older videos are not held on to. */
  keepFeatures(features: Map<string, FloatData>): void {
    this.#features = features;
  }

  /**
   * Keeps these features too until the next run's keepFeatures: clips appended mid-answer, and clips an
   * evidence check encoded, which later checks of the same clip then reuse.
   */
  addFeatures(features: ReadonlyMap<string, FloatData>): void {
    for (const [key, rows] of features) this.#features.set(key, rows);
  }

  /** The features kept now, by visual key. */
  get features(): ReadonlyMap<string, FloatData> {
    return this.#features;
  }

  async release(): Promise<void> {
    this.context.release();
    this.#features.clear();
    await this.model.release();
  }
}

export interface RunControl {
  /** Polled between prefill chunks, vision chunks and tokens. */
  shouldStop(): boolean;
  onToken?: (piece: string) => void;
  onProgress?: (progress: RunProgress) => void;
}

/** What a visual is, for reuse: its pixels, size, kind and (for a video) rate. */
export function visualKey(visual: VisualInput): string {
  if (visual.kind === 'image') return `image:${visual.width}x${visual.height}:${contentHash([visual.pixels])}`;
  return `video:${visual.width}x${visual.height}@${visual.sampleFps}:${visual.frames.length}:${contentHash(visual.frames)}`;
}

/** Runs `prepare`, its failure (a request that cannot make a prompt) turned into a 'bad-input' AppError. */
export function asBadInput<T>(prepare: () => T): T {
  try {
    return prepare();
  } catch (error) {
    throw new AppError('bad-input', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** The answer's text: special tokens (the end token) left out; no ids, no text. */
function decodeText(tokenizer: PromptKit['tokenizer'], ids: number[]): string {
  return ids.length ? tokenizer.decode(ids, { skip_special_tokens: true }) : '';
}

/** Each visual's pad run in `ids`: [start, start + count). */
function padRuns(prepared: PreparedChat, model: LoadedModel): { start: number; count: number }[] {
  const { imageTokenId, videoTokenId, mergeSize } = model.settings.vision;
  const runs: { start: number; count: number }[] = [];
  const ids = prepared.inputIds;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] !== imageTokenId && ids[i] !== videoTokenId) continue;
    const count = visionTokenCount(prepared.visuals[runs.length].patches.grid, mergeSize);
    runs.push({ start: i, count });
    i += count - 1;
  }
  return runs;
}

/** More context after generating: text with one `<|vision_start|><|…_pad|><|vision_end|>` per visual, in order. */
export interface Appendix {
  text: string;
  visuals?: VisualInput[];
}

/** Statistics of the prompt side, filled while preparing and prefilling. */
type PromptStats = Omit<AskStats, 'generatedTokens' | 'ttftMs' | 'tokensPerSecond'>;

export class Generation {
  readonly ids: number[] = [];
  /** Why generation ended: an end token, the token limit, or stop(); null while it can go on. */
  ended: 'eos' | 'limit' | 'stopped' | null = null;
  #logits: Float32Array | null = null;
  /** The last sampled token, fed with whatever comes next (the next step or an appendix). */
  #pending: number | null = null;
  #stream: TokenTextStream;
  #eos: Set<number>;
  #maxNewTokens: number;
  #firstTokenAt = 0;
  #stats: PromptStats;

  private constructor(
    private readonly session: ChatSession,
    private readonly request: ChatRequest,
    private readonly control: RunControl,
    private readonly started: number,
    stats: PromptStats,
  ) {
    const { tokenizer } = session.model.kit;
    this.#stream = new TokenTextStream((ids) => decodeText(tokenizer, ids));
    this.#eos = new Set(session.model.settings.eosTokenIds);
    this.#maxNewTokens = request.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS;
    this.#stats = stats;
  }

  /** The logits the next token will be sampled from (after the prefill, a step or an appendix); null when stopped. */
  get logits(): Float32Array | null {
    return this.#logits;
  }

  /**
   * Prepares and prefills `request`; the returned generation is ready to sample (or already stopped).
   * `appendTokens`: how many tokens `append` may add during the answer (grounded re-watch clips), reserved with
   * the rest so that the cache does not grow mid-answer (a copy, and twice the size, at 7B over a GB).
   */
  static async start(
    session: ChatSession,
    request: ChatRequest,
    control: RunControl,
    appendTokens = 0,
  ): Promise<Generation> {
    const started = performance.now();
    const { model, context } = session;
    const prepared = asBadInput(() => prepareChat(model.kit, request));
    const keys = request.visuals.map(visualKey);
    const identities: TokenIdentity[] = prepared.inputIds.slice();
    const runs = padRuns(prepared, model);
    runs.forEach((run, v) => identities.fill(keys[v], run.start, run.start + run.count));
    const reused = reusablePrefix(context.tokens, identities);
    await context.truncate(reused);
    const generation = new Generation(session, request, control, started, {
      frames: prepared.visuals.reduce((sum, v) => sum + v.frames, 0),
      visualTokens: prepared.visualTokens,
      promptTokens: prepared.inputIds.length,
      reusedTokens: reused,
      visionMs: 0,
      prefillMs: 0,
      prefillChunks: 0,
    });
    // In-place caches are sized once for the whole answer: no growth (and copy) in the middle of it.
    await context.cache.reserve(prepared.inputIds.length + generation.#maxNewTokens + appendTokens);
    const keep = new Map<string, FloatData>();
    const logits = await generation.#feedPrepared(prepared, keys, runs, reused, keep);
    session.keepFeatures(keep);
    generation.#afterFeed(logits);
    return generation;
  }

  /**
   * Encodes the visuals that reach past `from` (or takes their features from `features`/the session), then
   * feeds tokens [from, end) of `prepared` in chunks. Null when stopped.
   */
  async #feedPrepared(
    prepared: PreparedChat,
    keys: string[],
    runs: { start: number; count: number }[],
    from: number,
    keep: Map<string, FloatData>,
    lead: number[] = [],
  ): Promise<Float32Array | null> {
    const { model, context } = this.session;
    const visuals: SegmentVisual[] = [];
    const totalSteps = prepared.visuals.reduce((n, v) => n + v.patches.grid[0], 0);
    let stepsBefore = 0;
    for (const [v, run] of runs.entries()) {
      if (run.start + run.count > from) {
        let rows = keep.get(keys[v]) ?? this.session.featuresOf(keys[v]);
        if (!rows) {
          const encodeStarted = performance.now();
          const encoded = await model.encodeVisual(prepared.visuals[v].patches, this.control.shouldStop, (done) =>
            this.control.onProgress?.({
              phase: 'vision',
              done: stepsBefore + done,
              total: totalSteps,
              elapsedMs: performance.now() - this.started,
            }),
          );
          if (!encoded) return null;
          rows = encoded;
          this.#stats.visionMs += performance.now() - encodeStarted;
        }
        keep.set(keys[v], rows);
        visuals.push({ start: run.start - from + lead.length, rows, key: keys[v] });
      }
      stepsBefore += prepared.visuals[v].patches.grid[0];
    }
    const prefillStarted = performance.now();
    const runsBefore = context.runs;
    // A lead token (the pending sampled one) sits at the context's next position, right before the segment.
    const length = lead.length + prepared.inputIds.length - from;
    const [t, h, w] = prepared.positionIds.map((source) => {
      const row = new Int32Array(length);
      lead.forEach((_, i) => (row[i] = context.nextPosition + i));
      row.set(source.subarray(from), lead.length);
      return row;
    });
    const positions: Segment['positions'] = [t, h, w];
    const logits = await context.feed(
      { ids: [...lead, ...prepared.inputIds.slice(from)], positions, visuals },
      {
        chunkTokens: this.request.prefillChunkTokens ?? DEFAULT_PREFILL_CHUNK,
        shouldStop: this.control.shouldStop,
        onChunk: (done, total) =>
          this.control.onProgress?.({
            phase: 'prefill',
            done,
            total,
            reused: this.#stats.reusedTokens,
            elapsedMs: performance.now() - this.started,
          }),
      },
    );
    this.#stats.prefillMs += performance.now() - prefillStarted;
    this.#stats.prefillChunks += context.runs - runsBefore;
    return logits;
  }

  #afterFeed(logits: Float32Array | null): void {
    this.#logits = logits;
    this.#pending = null;
    if (!logits) this.stop();
  }

  get stopped(): boolean {
    return this.ended === 'stopped';
  }

  /** Ends the generation here: `next()` samples no more. */
  stop(): void {
    this.ended = 'stopped';
  }

  /** Samples the next token (feeding the pending one first); returns it, or null once generation has ended. */
  async next(): Promise<number | null> {
    if (this.ended) return null;
    if (this.#pending !== null) {
      if (this.control.shouldStop()) {
        this.#afterFeed(null);
        return null;
      }
      const { context } = this.session;
      const p = context.nextPosition;
      this.#afterFeed(
        await context.feed(
          { ids: [this.#pending], positions: [[p], [p], [p]], visuals: [] },
          { chunkTokens: 1, shouldStop: this.control.shouldStop },
        ),
      );
      if (!this.#logits) return null;
    }
    const id = sampleToken(this.#logits!, this.request);
    if (this.ids.length === 0) this.#firstTokenAt = performance.now();
    this.ids.push(id);
    this.#pending = id;
    const piece = this.#stream.push(id);
    if (piece) this.control.onToken?.(piece);
    if (this.#eos.has(id)) this.ended = 'eos';
    else if (this.ids.length >= this.#maxNewTokens) this.ended = 'limit';
    return id;
  }

  /**
   * Appends more context after the tokens generated so far (the pending token first), with M-RoPE positions
   * continuing the context's, and prefills it: the next `next()` samples from there. Returns false when stopped.
   */
  async append(appendix: Appendix): Promise<boolean> {
    const { model, context } = this.session;
    const lead = this.#pending === null ? [] : [this.#pending];
    const visuals = appendix.visuals ?? [];
    const prepared = asBadInput(() =>
      prepareText(model.kit, appendix.text, visuals, context.nextPosition + lead.length),
    );
    const keys = visuals.map(visualKey);
    const keep = new Map<string, FloatData>();
    const logits = await this.#feedPrepared(prepared, keys, padRuns(prepared, model), 0, keep, lead);
    this.session.addFeatures(keep);
    this.#afterFeed(logits);
    if (logits && this.ended !== 'eos' && this.ended !== 'limit') this.ended = null;
    return logits !== null;
  }

  /** The answer so far (or final), with its statistics. */
  result(): AskResult {
    const rest = this.#stream.flush();
    if (rest) this.control.onToken?.(rest);
    const ended = performance.now();
    const n = this.ids.length;
    const decodeSeconds = (ended - this.#firstTokenAt) / 1000;
    return {
      text: decodeText(this.session.model.kit.tokenizer, this.ids),
      tokenIds: this.ids.slice(),
      stopped: this.stopped,
      // Asked for mid-generation (a grounded run's pause), nothing has ended it: it counts as stopped there.
      ended: this.ended ?? 'stopped',
      rewatches: [],
      stats: {
        ...this.#stats,
        generatedTokens: n,
        ttftMs: n > 0 ? this.#firstTokenAt - this.started : ended - this.started,
        // The first token belongs to the prefill; the rate is over the decode steps after it.
        tokensPerSecond: n > 1 && decodeSeconds > 0 ? (n - 1) / decodeSeconds : 0,
      },
    };
  }
}

/** One answer: prefill, then tokens until an end token, the token limit or stop(). */
export async function runChat(session: ChatSession, request: ChatRequest, control: RunControl): Promise<AskResult> {
  const generation = await Generation.start(session, request, control);
  while ((await generation.next()) !== null) {
    if (generation.ended === null && control.shouldStop()) generation.stop();
  }
  return generation.result();
}
