/**
 * The generation loop in Node on the fp32 tiny conversions, on onnxruntime-node (GroupQueryAttention graphs:
 * KV cache in place; standard-ops graphs: grown per step) and onnxruntime-web's WASM build (grown per step):
 * every reference case's greedy ids; chunked prefill equal to one prefill; generate, append, generate equal
 * to one prefill of the concatenation (positions from an independent rope-index pass over the whole
 * sequence); a second question about the same video reusing the cached prefix with the same ids as a cold
 * run; stop() within one token and within one prefill chunk; no KV allocation per decode step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures, { modelFixtureDir } from '../../scripts/fixtures/models.ts';
import { loadCaseChat, type CaseChat } from '../../models/parity/case-chat.ts';
import { backendFor, type RuntimeName } from '../../models/parity/runtime.ts';
import type { ChatRequest, VisualInput } from '../../src/lib/protocol/inference-protocol.ts';
import type { AttentionKernel } from '../../src/lib/models/model-layout.ts';
import { buildReWatchMessages } from '../../src/lib/generation/rewatch-prompt.ts';
import { argmax } from '../../src/lib/generation/token-sampling.ts';
import { allReferenceCases, REFERENCE_ROOT } from '../../tests/support/reference.ts';
import { DecoderContext } from './decoder-context.ts';
import type { GraphBackend } from './graph-backend.ts';
import { LoadedModel } from './loaded-model.ts';
import { maxAbsDiff, promptSegment, segmentOf, wholeSequencePositions } from './loop-test-kit.ts';
import { nodeModelFolder } from './node-model-folder.ts';
import { prepareChat, prepareText } from './prepare-chat.ts';
import { ChatSession, Generation, runChat } from './run-chat.ts';

interface Variant {
  name: string;
  runtime: RuntimeName;
  attention: AttentionKernel;
  inPlace: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'onnxruntime-node, GQA (KV in place)', runtime: 'node', attention: 'gqa', inPlace: true },
  { name: 'onnxruntime-node, standard ops (KV grown per step)', runtime: 'node', attention: 'sdpa', inPlace: false },
  { name: 'onnxruntime-web WASM, GQA (KV grown per step)', runtime: 'wasm', attention: 'gqa', inPlace: false },
];

const cases: { model: string; chat: CaseChat }[] = allReferenceCases().map(({ model, name }) => ({
  model,
  chat: loadCaseChat(`${REFERENCE_ROOT}/${model}/cases/${name}`, 'resized'),
}));
const opened: LoadedModel[] = [];

/** Counts the KV storage the backend allocates (in-place mode allocates only when the cache grows). */
function counting(backend: GraphBackend): GraphBackend & { kvAllocations: number } {
  const counted = { ...backend, kvAllocations: 0 };
  if (backend.kvStore) {
    const store = backend.kvStore;
    counted.kvStore = { ...store, allocate: (type, dims) => (counted.kvAllocations++, store.allocate(type, dims)) };
  }
  return counted;
}

async function open(
  model: string,
  variant: Variant,
): Promise<{ session: ChatSession; backend: ReturnType<typeof counting> }> {
  const backend = counting(await backendFor(variant.runtime));
  const loaded = await LoadedModel.open(nodeModelFolder(modelFixtureDir(model, variant.attention)), backend, 'fp32');
  opened.push(loaded);
  return { session: new ChatSession(loaded), backend };
}

const never = { shouldStop: () => false };

beforeAll(() => makeModelFixtures());
afterAll(async () => {
  await Promise.all(opened.map((m) => m.release()));
});

describe.each(VARIANTS)('$name', (variant) => {
  it('every reference case gives its greedy ids', async () => {
    for (const { model, chat } of cases) {
      const { session } = await open(model, variant);
      expect(session.context.cache.inPlace).toBe(variant.inPlace);
      const result = await runChat(session, chat.request, never);
      expect(result.tokenIds, chat.name).toEqual(chat.expectedIds);
      expect(result.stopped).toBe(false);
      expect(result.stats.promptTokens).toBe(chat.meta.seq_len);
    }
  });

  it('a prompt prefilled in chunks gives the logits of one prefill (1e-4), on every reference case', async () => {
    for (const { model, chat } of cases) {
      const { session } = await open(model, variant);
      const segment = await promptSegment(session.model, chat.request);
      const one = new DecoderContext(session.model);
      const whole = (await one.feed(segment, { chunkTokens: segment.ids.length }))!;
      for (const chunkTokens of [16, 50]) {
        const chunked = new DecoderContext(session.model);
        let chunks = 0;
        const logits = (await chunked.feed(segment, { chunkTokens, onChunk: () => chunks++ }))!;
        expect(chunks).toBe(Math.ceil(segment.ids.length / chunkTokens));
        expect(maxAbsDiff(logits, whole), `${chat.name}, chunks of ${chunkTokens}`).toBeLessThan(1e-4);
        // The next decode step agrees too (the chunked cache is the same cache).
        const id = argmax(logits);
        const step = (ctx: DecoderContext) =>
          ctx.feed(
            { ids: [id], positions: [[ctx.nextPosition], [ctx.nextPosition], [ctx.nextPosition]], visuals: [] },
            { chunkTokens: 1 },
          );
        expect(chunked.nextPosition).toBe(one.nextPosition);
        const [a, b] = [(await step(chunked))!, (await step(one))!];
        expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
        await one.truncate(segment.ids.length);
        chunked.release();
      }
      one.release();
    }
  });

  it('generate, append text and a video clip, generate: the logits and ids of one prefill of the whole sequence', async () => {
    const { model, chat } = cases.find((c) => c.chat.request.visuals.some((v) => v.kind === 'video'))!;
    const { session } = await open(model, variant);
    const kit = session.model.kit;
    const video = chat.request.visuals.find((v) => v.kind === 'video')! as Extract<VisualInput, { kind: 'video' }>;
    const clip: VisualInput = { ...video, frames: video.frames.slice(0, 4).reverse(), sampleFps: 4 };
    const appendText = '<|vision_start|><|video_pad|><|vision_end|>Look again at this clip.';
    const generation = await Generation.start(session, { ...chat.request, maxNewTokens: 100 }, never);
    for (let i = 0; i < 5; i++) await generation.next();
    const generated = generation.ids.slice();
    expect(await generation.append({ text: appendText, visuals: [clip] })).toBe(true);
    const afterAppend = (await generation.next())!;
    for (let i = 0; i < 4; i++) await generation.next();

    // The same sequence from scratch: prompt + generated + appendix, positions by one rope-index pass.
    const prompt = prepareChat(kit, chat.request);
    const appendix = prepareText(kit, appendText, [clip]);
    const ids = [...prompt.inputIds, ...generated, ...appendix.inputIds];
    const grids = [...prompt.visuals, ...appendix.visuals].map((v) => v.patches.grid);
    const positionIds = wholeSequencePositions(session.model, ids, [...prompt.visuals, ...appendix.visuals]);
    expect(grids.length).toBe(2);
    const cold = new DecoderContext(session.model);
    const segment = await segmentOf(
      session.model,
      ids,
      positionIds,
      [...prompt.visuals, ...appendix.visuals].map((v) => v.patches),
    );
    const logits = (await cold.feed(segment, { chunkTokens: 64 }))!;
    expect(argmax(logits)).toBe(afterAppend);
    // Continue the cold run greedily: the same ids as the appended generation.
    const coldIds = [argmax(logits)];
    for (let i = 0; i < 4; i++) {
      const p = cold.nextPosition;
      const next = (await cold.feed(
        { ids: [coldIds.at(-1)!], positions: [[p], [p], [p]], visuals: [] },
        { chunkTokens: 1 },
      ))!;
      coldIds.push(argmax(next));
    }
    expect(generation.ids.slice(generated.length)).toEqual(coldIds);
    // The context positions equal the independent pass over the whole sequence.
    expect(session.context.tokens.length).toBe(ids.length + 4);
    expect(cold.nextPosition).toBe(session.context.nextPosition);
    cold.release();
  });

  it('a second question about the same video reuses its prefix and vision features: the same ids as a cold run', async () => {
    const { model, chat } = cases.find(
      (c) => c.chat.request.visuals.length === 1 && c.chat.request.visuals[0].kind === 'video',
    )!;
    const video = chat.request.visuals[0] as Extract<VisualInput, { kind: 'video' }>;
    const ask = (question: string): ChatRequest => ({
      messages: buildReWatchMessages(question, video.frames.length / video.sampleFps),
      visuals: [video],
      maxNewTokens: 12,
    });
    const { session } = await open(model, variant);
    const first = await runChat(session, ask('What moves first?'), never);
    expect(first.stats.reusedTokens).toBe(0);
    expect(first.stats.visionMs).toBeGreaterThan(0);
    const second = await runChat(session, ask('Which colour is the circle?'), never);
    const cold = await runChat((await open(model, variant)).session, ask('Which colour is the circle?'), never);
    expect(second.tokenIds).toEqual(cold.tokenIds);
    expect(cold.stats.reusedTokens).toBe(0);
    // Everything up to the question text: the system prompt, the video and the duration line.
    const promptIds = prepareChat(session.model.kit, ask('Which colour is the circle?')).inputIds;
    const videoEnd = promptIds.lastIndexOf(session.model.settings.vision.videoTokenId);
    expect(second.stats.reusedTokens).toBeGreaterThan(videoEnd);
    expect(second.stats.visionMs).toBe(0);
    expect(second.stats.prefillChunks).toBe(1);
  });

  it('stop() ends generation after the token being produced, and prefill within one chunk', async () => {
    const { model, chat } = cases[0];
    const { session } = await open(model, variant);
    let stop = false;
    let tokensAtStop = -1;
    const stopped = await runChat(
      session,
      { ...chat.request, maxNewTokens: 400 },
      {
        shouldStop: () => stop,
        onToken: () => {
          if (stop) return;
          stop = true;
          tokensAtStop = session.context.tokens.length;
        },
      },
    );
    expect(stopped.stopped).toBe(true);
    expect(stopped.tokenIds).toHaveLength(1);
    expect(stopped.tokenIds).toEqual(chat.expectedIds.slice(0, 1));
    expect(tokensAtStop).toBe(chat.meta.seq_len);

    const fresh = (await open(model, variant)).session;
    stop = false;
    let chunksAtStop = 0;
    const duringPrefill = await runChat(
      fresh,
      { ...chat.request, prefillChunkTokens: 16 },
      {
        shouldStop: () => stop,
        onProgress: (p) => {
          if (p.phase !== 'prefill' || stop) return;
          stop = true;
          chunksAtStop = Math.ceil(p.done / 16);
        },
      },
    );
    expect(duringPrefill.stopped).toBe(true);
    expect(duringPrefill.tokenIds).toEqual([]);
    expect(chunksAtStop).toBe(1);
    expect(duringPrefill.stats.prefillChunks).toBeLessThanOrEqual(chunksAtStop + 1);
    // The worker stays usable: the same session answers the whole question next.
    expect((await runChat(fresh, chat.request, never)).tokenIds).toEqual(chat.expectedIds);
  });

  it(
    variant.inPlace
      ? 'allocates the KV cache once: nothing per decode step'
      : 'grows the KV cache per step (no in-place storage here)',
    async () => {
      const { model, chat } = cases[0];
      const { session, backend } = await open(model, variant);
      const generation = await Generation.start(session, { ...chat.request, maxNewTokens: 20 }, never);
      const afterPrefill = backend.kvAllocations;
      const capacity = session.context.cache.capacity;
      while ((await generation.next()) !== null);
      expect(generation.ids).toHaveLength(20);
      expect(backend.kvAllocations - afterPrefill).toBe(0);
      expect(session.context.cache.capacity).toBe(capacity);
      if (variant.inPlace) expect(afterPrefill).toBe(2 * session.model.settings.decoder.layers);
      else expect(afterPrefill).toBe(0);
    },
  );
});
