/**
 * The stages bench:infer times, on any backend (onnxruntime-node in a child process, onnxruntime-web in a
 * Chromium worker): load, the vision encoder on synthetic ReWatch frames (448x224, 128 visual tokens per two
 * frames), the chunked prefill of that video's prompt up to the first token, then decode steps at several
 * context lengths. The model's weights are random (speed does not depend on values), and so is the KV cache
 * the decode stages start from (DecoderContext.assumeFilled): decode speed at 12k tokens is measured without
 * prefilling 12k tokens first. Each stage is reported as soon as it ends, so a run cut short by its time
 * budget still says how far it got.
 */
import type { ChatRequest } from '../../src/lib/protocol/inference-protocol.ts';
import type { ModelDtype } from '../../src/lib/models/model-layout.ts';
import type { LoadedModel } from '../../workers/inference/loaded-model.ts';
import { rewatchText } from '../../src/lib/generation/grounded-rewatch.ts';
import { checkEvidence, clipVisual } from '../../workers/inference/grounded-run.ts';
import { askToChat } from '../../workers/inference/rewatch-chat.ts';
import { ChatSession, Generation } from '../../workers/inference/run-chat.ts';

/** ReWatch-R1's frame size: 128*28*28 pixels, 16x32 patches, 128 visual tokens per temporal step. */
export const BENCH_FRAME = { width: 448, height: 224 } as const;

export interface BenchOptions {
  dtype: ModelDtype;
  /** Video frames for the vision and prefill stages (two per temporal step); 0: a short text-only prompt. */
  frames: number;
  /** Context lengths the decode stages start from. */
  contexts: number[];
  /** Decode steps timed per context (after one untimed warm-up step). */
  steps: number;
  prefillChunk: number;
  /** Report the prefill's last-position logits (to compare runtimes on the same files). */
  keepLogits?: boolean;
  /**
   * Frames of one grounded re-watch clip (issue 10) appended after the first token, then one evidence check over
   * the same clip (a cold verification run); 0 or absent: neither is timed.
   */
  rewatchFrames?: number;
}

/** Extra counts a backend can take around each decode step (GPU buffers on WebGPU). */
export interface StepProbe {
  begin(): void;
  end(): Record<string, number>;
}

export type StageReport =
  | { stage: 'load'; ms: number; kvInPlace: boolean }
  | {
      stage: 'prefill';
      frames: number;
      visionMs: number;
      visionMsPerFrame: number;
      promptTokens: number;
      prefillMs: number;
      prefillTokensPerSecond: number;
      chunks: number;
      ttftMs: number;
      firstToken: number;
      logits?: number[];
    }
  | {
      stage: 'rewatch';
      frames: number;
      /** Tokens appended: the clip's visual tokens plus the inserted text. */
      tokens: number;
      visionMs: number;
      prefillMs: number;
      ms: number;
    }
  | { stage: 'evidence'; frames: number; ms: number; score: number }
  | {
      stage: 'decode';
      context: number;
      msPerToken: number;
      stepMs: number[];
      runtimeKvTensorsPerStep: number;
      probe: Record<string, number>;
    };

/** Deterministic pseudo-random frames (xorshift): the vision encoder sees varied pixels, identical in every runtime. */
export function syntheticFrames(count: number, seed = 0x2545f491): Uint8Array[] {
  let s = seed;
  return Array.from({ length: count }, () => {
    const frame = new Uint8Array(BENCH_FRAME.width * BENCH_FRAME.height * 3);
    for (let i = 0; i < frame.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      frame[i] = s & 255;
    }
    return frame;
  });
}

/**
 * A re-watch as grounded-run.ts does it (the clip and its inserted text appended after the tokens so far,
 * prefilled), then the evidence check of one observation over that clip. The clip's frames differ from the
 * video's (another seed), so its features are really encoded.
 */
async function rewatchStages(
  session: ChatSession,
  generation: Generation,
  frames: number,
  report: (r: StageReport) => void,
): Promise<void> {
  const clip = { ...BENCH_FRAME, frames: syntheticFrames(frames, 0x1b873593), sampleFps: 4 };
  const inserted = rewatchText({ start: 70, end: 74, frames, sampleFps: clip.sampleFps, clamped: false });
  const before = generation.result().stats;
  const tokensBefore = session.context.tokens.length;
  let started = performance.now();
  await generation.append({ text: inserted, visuals: [clipVisual(clip)] });
  const ms = performance.now() - started;
  const after = generation.result().stats;
  report({
    stage: 'rewatch',
    frames,
    tokens: session.context.tokens.length - tokensBefore,
    visionMs: after.visionMs - before.visionMs,
    prefillMs: after.prefillMs - before.prefillMs,
    ms,
  });
  started = performance.now();
  const checked = await checkEvidence(session.model, 'A person opens the red door and walks out.', clip);
  report({ stage: 'evidence', frames, ms: performance.now() - started, score: checked?.score ?? NaN });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function runStages(
  open: () => Promise<LoadedModel>,
  options: BenchOptions,
  report: (r: StageReport) => void,
  probe?: StepProbe,
): Promise<void> {
  let started = performance.now();
  const model = await open();
  const session = new ChatSession(model);
  const { context } = session;
  report({ stage: 'load', ms: performance.now() - started, kvInPlace: context.cache.inPlace });
  try {
    const frames = syntheticFrames(options.frames);
    const question = 'What happens in the video?';
    const request: ChatRequest = frames.length
      ? askToChat({
          frames: { frames, ...BENCH_FRAME, sampleFps: 2 },
          duration: frames.length / 2,
          question,
          maxNewTokens: 1,
          prefillChunkTokens: options.prefillChunk,
        })
      : {
          messages: [{ role: 'user', content: question }],
          visuals: [],
          maxNewTokens: 1,
          prefillChunkTokens: options.prefillChunk,
        };
    started = performance.now();
    const generation = await Generation.start(session, request, { shouldStop: () => false });
    const logits = options.keepLogits && generation.logits ? Array.from(generation.logits) : undefined;
    const firstToken = (await generation.next())!;
    const { stats } = generation.result();
    report({
      stage: 'prefill',
      frames: stats.frames,
      visionMs: stats.visionMs,
      visionMsPerFrame: stats.frames ? stats.visionMs / stats.frames : 0,
      promptTokens: stats.promptTokens,
      prefillMs: stats.prefillMs,
      prefillTokensPerSecond: stats.promptTokens / (stats.prefillMs / 1000),
      chunks: stats.prefillChunks,
      ttftMs: stats.ttftMs,
      firstToken,
      logits,
    });
    if (options.rewatchFrames) await rewatchStages(session, generation, options.rewatchFrames, report);
    for (const length of options.contexts) {
      await context.assumeFilled(length);
      const stepMs: number[] = [];
      let kvTensors = 0;
      let counts: Record<string, number> = {};
      for (let i = 0; i <= options.steps; i++) {
        const p = context.nextPosition;
        const kvBefore = context.cache.runtimeKvTensors;
        if (i > 0) probe?.begin();
        const stepStarted = performance.now();
        await context.feed({ ids: [100], positions: [[p], [p], [p]], visuals: [] }, { chunkTokens: 1 });
        // The first step compiles the decode shapes' kernels: not timed.
        if (i === 0) continue;
        stepMs.push(performance.now() - stepStarted);
        kvTensors += context.cache.runtimeKvTensors - kvBefore;
        const step = probe?.end() ?? {};
        for (const [k, v] of Object.entries(step)) counts[k] = (counts[k] ?? 0) + v / options.steps;
      }
      report({
        stage: 'decode',
        context: length,
        msPerToken: median(stepMs),
        stepMs,
        runtimeKvTensorsPerStep: kvTensors / options.steps,
        probe: counts,
      });
      counts = {};
    }
  } finally {
    await session.release();
  }
}
