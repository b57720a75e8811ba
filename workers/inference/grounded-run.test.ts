/**
 * Grounded re-watch and the evidence check in Node, on the fp32 tiny conversion (onnxruntime-node, GQA graph).
 * The tiny model never writes actions, so a scripted action is fed through the loop's append (forcedPrefix).
 * The "video" is reference case_a's 8 frames taken as a 4 s video at 2 fps; clips are cut from those frames
 * by planClip. Checked: the logits right after a clip's insertion equal one cold prefill of the whole sequence
 * (positions from an independent rope-index pass), the evidence score equals the softmax of a cold, separate
 * run's yes/no logits (and leaves the conversation alone), N is honoured, a time past the end is clamped and
 * says so, and Stop while the frames are fetched ends cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import makeModelFixtures, { modelFixtureDir } from '../../scripts/fixtures/models.ts';
import { loadCaseChat, type CaseChat } from '../../models/parity/case-chat.ts';
import { backendFor } from '../../models/parity/runtime.ts';
import { planClip, type CitedRange } from '../../src/lib/preprocess/rewatch-clip.ts';
import { REFERENCE_ROOT } from '../../tests/support/reference.ts';
import type { RewatchClip, VisualInput } from '../../src/lib/protocol/inference-protocol.ts';
import { checkEvidence, clipVisual, runGrounded, type GroundedOptions } from './grounded-run.ts';
import { LoadedModel } from './loaded-model.ts';
import { coldEvidenceScore, coldPrefill, maxAbsDiff } from './loop-test-kit.ts';
import { nodeModelFolder } from './node-model-folder.ts';
import { prepareChat, prepareText } from './prepare-chat.ts';
import { askToChat } from './rewatch-chat.ts';
import { ChatSession, runChat, visualKey } from './run-chat.ts';

const never = { shouldStop: () => false };
let model: LoadedModel;
let chat: CaseChat;
let video: Extract<VisualInput, { kind: 'video' }>;
const DURATION = 4;

function clipOf(cited: CitedRange): RewatchClip {
  const plan = planClip(cited, { duration: DURATION, videoFps: 2 });
  return { ...plan, width: video.width, height: video.height, frames: plan.indices.map((i) => video.frames[i]) };
}

const request = () =>
  askToChat({ frames: video, duration: DURATION, question: 'What happens at the end?', maxNewTokens: 6 });

function grounded(extra: Partial<GroundedOptions> = {}): GroundedOptions {
  return { maxRewatches: 3, clipFrames: async (cited) => clipOf(cited), ...extra };
}

beforeAll(async () => {
  makeModelFixtures();
  chat = loadCaseChat(`${REFERENCE_ROOT}/qwen2_5_vl_tiny/cases/case_a`, 'resized');
  video = chat.request.visuals[0] as Extract<VisualInput, { kind: 'video' }>;
  expect([video.frames.length, video.sampleFps]).toEqual([8, 2]);
  model = await LoadedModel.open(
    nodeModelFolder(modelFixtureDir('qwen2_5_vl_tiny', 'gqa')),
    await backendFor('node'),
    'fp32',
  );
});
afterAll(async () => {
  await model?.release();
});

describe('runGrounded', () => {
  it.each([0, 3])(
    'after a cited action (forced after %i tokens), the logits equal one cold prefill of prompt + text + clip',
    async (after) => {
      const session = new ChatSession(model);
      const forced = '<action>re-watch 00:02-00:04</action>';
      const seen: { logits: Float32Array; nextPosition: number }[] = [];
      const result = await runGrounded(
        session,
        request(),
        never,
        grounded({
          forcedPrefix: forced,
          forcedAfterTokens: after,
          onRewatch: (_, g) => seen.push({ logits: g.logits!.slice(), nextPosition: session.context.nextPosition }),
        }),
      );
      expect(result.rewatches).toHaveLength(1);
      const [rewatch] = result.rewatches;
      expect(rewatch).toMatchObject({
        action: 're-watch 00:02-00:04',
        cited: { start: 2, end: 4 },
        start: 2,
        end: 4,
        clamped: false,
        times: [2, 2.5, 3, 3.5],
        sampleFps: 2,
      });
      expect(rewatch.inserted).toBe(
        '\nRe-watching 00:02-00:04 (4 frames at 2 fps):<|vision_start|><|video_pad|><|vision_end|>\n',
      );
      expect(result.tokenIds).toHaveLength(6);
      expect(result.text.indexOf(forced) + forced.length).toBe(rewatch.at);

      // The same sequence from scratch: prompt + generated text + forced action + the inserted clip.
      const kit = model.kit;
      const prompt = prepareChat(kit, request());
      const inserted = prepareText(kit, rewatch.inserted, [clipVisual(clipOf({ start: 2, end: 4 }))]);
      const ids = [
        ...prompt.inputIds,
        ...result.tokenIds.slice(0, after),
        ...prepareText(kit, forced, []).inputIds,
        ...inserted.inputIds,
      ];
      const cold = await coldPrefill(model, ids, [...prompt.visuals, ...inserted.visuals]);
      expect(maxAbsDiff(seen[0].logits, cold.logits)).toBeLessThan(1e-4);
      expect(seen[0].nextPosition).toBe(cold.nextPosition);
      // Control: the same ids with the clip's time scaled at another rate give other logits.
      const wrongRate = prepareText(kit, rewatch.inserted, [
        clipVisual({ ...clipOf({ start: 2, end: 4 }), sampleFps: 4 }),
      ]);
      const other = await coldPrefill(model, ids, [...prompt.visuals, ...wrongRate.visuals]);
      expect(maxAbsDiff(seen[0].logits, other.logits)).toBeGreaterThan(1e-3);
      session.context.release();
    },
  );

  it('honours the limit of re-watches per answer', async () => {
    const forced =
      '<action>re-watch 00:00-00:01</action><observation>a</observation><action>then 00:02</action><observation>b</observation><action>and 00:03-00:04</action>';
    for (const maxRewatches of [0, 2]) {
      const session = new ChatSession(model);
      const asked: CitedRange[] = [];
      const result = await runGrounded(
        session,
        request(),
        never,
        grounded({
          maxRewatches,
          forcedPrefix: forced,
          clipFrames: async (cited) => (asked.push(cited), clipOf(cited)),
        }),
      );
      expect(result.rewatches.map((r) => r.cited)).toEqual([{ start: 0, end: 1 }, { start: 2 }].slice(0, maxRewatches));
      expect(asked).toHaveLength(maxRewatches);
      expect(result.stopped).toBe(false);
      session.context.release();
    }
  });

  it('reserves the clips with the answer: the in-place cache never grows mid-answer', async () => {
    const session = new ChatSession(model);
    const capacities: number[] = [];
    const maxNewTokens = 1100;
    const result = await runGrounded(
      session,
      { ...request(), maxNewTokens },
      never,
      grounded({
        forcedPrefix:
          '<action>re-watch 00:00-00:02</action><observation>a</observation><action>and 00:02-00:04</action>',
        clipFrames: async (cited) => (capacities.push(session.context.cache.capacity), clipOf(cited)),
      }),
    );
    expect(session.context.cache.inPlace).toBe(true);
    expect(result.rewatches).toHaveLength(2);
    expect(result.ended).toBe('limit');
    // Filled past the prompt + answer alone, yet the same storage as when the first clip was asked for.
    expect(session.context.cache.length).toBeGreaterThan(
      prepareChat(model.kit, request()).inputIds.length + maxNewTokens,
    );
    expect(capacities[0]).toBeGreaterThanOrEqual(session.context.cache.length);
    expect(session.context.cache.capacity).toBe(capacities[0]);
    session.context.release();
  });

  it('a time past the end of the video is clamped, and the record and the inserted text say so', async () => {
    const session = new ChatSession(model);
    const result = await runGrounded(
      session,
      request(),
      never,
      grounded({ forcedPrefix: '<action>re-watch 00:09</action>' }),
    );
    const [rewatch] = result.rewatches;
    expect(rewatch).toMatchObject({
      cited: { start: 9 },
      start: 2,
      end: 4,
      clamped: true,
      note: '00:09 is past the end of the video (00:04); re-watched 00:02-00:04 instead',
    });
    expect(rewatch.inserted).toContain('(the end of the video; 4 frames at 2 fps)');
    session.context.release();
  });

  it('Stop while the frames are fetched ends the answer cleanly, and the session answers again', async () => {
    const session = new ChatSession(model);
    let stop = false;
    const result = await runGrounded(
      session,
      request(),
      { shouldStop: () => stop },
      grounded({
        forcedPrefix: '<action>re-watch 00:01-00:03</action>',
        clipFrames: async (cited) => ((stop = true), clipOf(cited)),
      }),
    );
    expect(result.stopped).toBe(true);
    expect(result.rewatches).toEqual([]);
    expect(result.tokenIds).toEqual([]);
    expect((await runChat(session, chat.request, never)).tokenIds).toEqual(chat.expectedIds);
    session.context.release();
  });

  it('a clip source that answers null (its decode was cancelled by Stop) ends the answer as stopped', async () => {
    const session = new ChatSession(model);
    const result = await runGrounded(
      session,
      request(),
      never,
      grounded({ forcedPrefix: '<action>re-watch 00:01-00:03</action>', clipFrames: async () => null }),
    );
    expect(result).toMatchObject({ stopped: true, ended: 'stopped', rewatches: [], tokenIds: [] });
    session.context.release();
  });
});

describe('checkEvidence', () => {
  it('scores the softmax of the yes/no logits of a cold, separate run, and leaves the conversation alone', async () => {
    const session = new ChatSession(model);
    await runChat(session, request(), never);
    const tokens = session.context.tokens.slice();
    const observation = 'a red circle moves to the right.';
    const clip = clipOf({ start: 1, end: 3 });
    const checked = (await checkEvidence(model, observation, clip))!;
    expect(session.context.tokens).toEqual(tokens);
    expect(checked.question).toBe('Does the clip show: a red circle moves to the right? Answer yes or no.');

    const cold = await coldEvidenceScore(model, observation, clip);
    expect(cold.yesIds.length).toBeGreaterThanOrEqual(2);
    expect(Math.abs(checked.score - cold.score)).toBeLessThan(1e-5);
    expect(['supported', 'unclear', 'unsupported']).toContain(checked.verdict);

    // Reusing the conversation's features: the clip grounded re-watch appended is not encoded again.
    const conversation = new ChatSession(model);
    await runGrounded(
      conversation,
      request(),
      never,
      grounded({ forcedPrefix: '<action>re-watch 00:01-00:03</action>' }),
    );
    expect(conversation.features.has(visualKey(clipVisual(clip)))).toBe(true);
    const encode = model.encodeVisual.bind(model);
    let encoded = 0;
    model.encodeVisual = (...args) => (encoded++, encode(...args));
    try {
      const reused = (await checkEvidence(model, observation, clip, never, conversation))!;
      expect(encoded).toBe(0);
      expect(Math.abs(reused.score - checked.score)).toBeLessThan(1e-6);
    } finally {
      model.encodeVisual = encode;
      conversation.context.release();
    }

    // A checker session kept for several checks gives the same score.
    const checker = new ChatSession(model);
    expect(Math.abs((await checkEvidence(checker, observation, clip))!.score - checked.score)).toBeLessThan(1e-5);
    checker.context.release();
    session.context.release();
  });
});
