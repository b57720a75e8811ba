/**
 * npm run ask -- --model <converted model dir> --frames <reference case path | video file>
 *   [--question "..."] [--device cpu|webgpu] [--dtype fp32|fp16|q4|q4f16] [--max-new-tokens N]
 *   [--fps 2] [--max-frames 192] [--pixels 100352] [--temperature T] [--top-p P] [--prefill-chunk N]
 *   [--grounded [--max-rewatches N] [--forced-prefix "<action>re-watch 00:02-00:04</action>"]] [--check-evidence]
 *
 * The inference worker's pipeline outside the browser: the same generation loop (workers/inference/run-chat.ts)
 * on onnxruntime-node (device 'cpu' by default). A video file is decoded by ffmpeg at the planned frames;
 * a reference case (`.../cases/case_a`) uses its resized frames, and without --question its own prompt,
 * reporting whether the reference's greedy ids came out. Streams the trace to stdout, then prints the
 * stats (TTFT, tok/s) to stderr. Ctrl-C stops the generation after the current token.
 *
 * --grounded (a video file only): each cited `<action>` pauses the answer, its range is decoded by ffmpeg at
 * the clip plan's frames (src/lib/preprocess/rewatch-clip.ts) and appended (workers/inference/grounded-run.ts);
 * each re-watch's range and frame times go to stderr. --forced-prefix feeds a scripted action first (models
 * that write no actions, e.g. the tiny fixtures). --check-evidence (a video file only) then scores each
 * observation that cites a time against that range's frames, printing score and verdict.
 */
import { parseArgs } from 'node:util';
import type { ChatRequest, RewatchClip, RunProgress } from '../src/lib/protocol/inference-protocol.ts';
import type { RewatchEvidence } from '../src/lib/trace/trace-evidence.ts';
import { DTYPES, isDtype } from '../src/lib/models/model-layout.ts';
import { DEFAULT_MAX_REWATCHES } from '../src/lib/generation/grounded-rewatch.ts';
import { observationsToCheck } from '../src/lib/generation/evidence-check.ts';
import { planClip, type CitedRange } from '../src/lib/preprocess/rewatch-clip.ts';
import { formatTime } from '../src/lib/trace/timestamps.ts';
import { parseTrace } from '../src/lib/trace/trace-parser.ts';
import { REWATCH_FRAME_PIXELS } from '../src/lib/preprocess/smart-resize.ts';
import { isReferenceCase, loadCaseChat } from '../models/parity/case-chat.ts';
import { LoadedModel } from '../workers/inference/loaded-model.ts';
import { nodeBackend } from '../workers/inference/node-backend.ts';
import { nodeModelFolder } from '../workers/inference/node-model-folder.ts';
import { askToChat } from '../workers/inference/rewatch-chat.ts';
import { checkEvidence, runGrounded } from '../workers/inference/grounded-run.ts';
import { ChatSession, runChat } from '../workers/inference/run-chat.ts';
import { decodeFrameIndices, decodePlannedFrames, probeVideo } from './ffmpeg-frames.ts';

const USAGE =
  'usage: npm run ask -- --model <dir> --frames <reference case | video file> [--question "..."] [--device cpu|webgpu] [--dtype fp32|fp16|q4|q4f16] [--max-new-tokens N] [--prefill-chunk N] [--grounded [--max-rewatches N] [--forced-prefix TEXT]] [--check-evidence]';

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0)) throw new TypeError(`--${name} must be a positive number, got ${text}`);
  return value;
}

try {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      frames: { type: 'string' },
      question: { type: 'string' },
      device: { type: 'string', default: 'cpu' },
      dtype: { type: 'string', default: 'fp32' },
      'max-new-tokens': { type: 'string' },
      fps: { type: 'string' },
      'max-frames': { type: 'string' },
      pixels: { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'prefill-chunk': { type: 'string' },
      grounded: { type: 'boolean' },
      'max-rewatches': { type: 'string' },
      'forced-prefix': { type: 'string' },
      'check-evidence': { type: 'boolean' },
    },
  });
  if (!values.model || !values.frames) throw new TypeError(USAGE);
  if (values.device !== 'cpu' && values.device !== 'webgpu')
    throw new TypeError(`--device must be cpu or webgpu (Node), got ${values.device}`);
  const dtype = values.dtype ?? 'fp32';
  if (!isDtype(dtype)) throw new TypeError(`--dtype must be one of ${DTYPES.join(', ')}, got ${values.dtype}`);
  const generation = {
    maxNewTokens:
      values['max-new-tokens'] === undefined ? undefined : positive('max-new-tokens', values['max-new-tokens'], 0),
    temperature: values.temperature === undefined ? undefined : Number(values.temperature),
    topP: values['top-p'] === undefined ? undefined : positive('top-p', values['top-p'], 1),
    prefillChunkTokens:
      values['prefill-chunk'] === undefined ? undefined : positive('prefill-chunk', values['prefill-chunk'], 0),
  };

  const maxRewatches = Number(values['max-rewatches'] ?? DEFAULT_MAX_REWATCHES);
  if (!Number.isInteger(maxRewatches) || maxRewatches < 0)
    throw new TypeError(`--max-rewatches must be an integer >= 0, got ${values['max-rewatches']}`);
  if (values['forced-prefix'] !== undefined && !values.grounded)
    throw new TypeError('--forced-prefix goes with --grounded');

  let request: ChatRequest;
  let expectedIds: number[] | null = null;
  /** A video file's clips by cited range (grounded re-watch and the evidence check share them). */
  let clipFrames: ((cited: CitedRange) => Promise<RewatchClip>) | null = null;
  if (isReferenceCase(values.frames)) {
    if (values.grounded || values['check-evidence'])
      throw new TypeError(
        '--grounded and --check-evidence need a video file: a reference case holds its sampled frames only, no video to re-sample',
      );
    const c = loadCaseChat(values.frames, 'resized');
    const video = c.request.visuals.find((v) => v.kind === 'video');
    if (values.question) {
      if (!video || video.kind !== 'video') throw new TypeError(`${c.name} has no video to ask about`);
      request = askToChat({
        frames: video,
        duration: video.frames.length / video.sampleFps,
        question: values.question,
        ...generation,
      });
    } else {
      request = { ...c.request, ...generation, maxNewTokens: generation.maxNewTokens ?? c.expectedIds.length };
      expectedIds = c.expectedIds;
    }
    console.error(`${c.name}: ${c.request.visuals.map((v) => `${v.kind} ${v.width}x${v.height}`).join(', ')}`);
  } else {
    if (!values.question) throw new TypeError('--question is required for a video file');
    const pixels = positive('pixels', values.pixels, REWATCH_FRAME_PIXELS);
    const video = await decodePlannedFrames(values.frames, {
      fps: positive('fps', values.fps, 2),
      maxFrames: positive('max-frames', values['max-frames'], 192),
      minPixels: pixels,
      maxPixels: pixels,
    });
    console.error(
      `${values.frames}: ${video.duration.toFixed(2)} s, ${video.plan.count} frames at ${video.width}x${video.height}, sample fps ${video.plan.sampleFps.toFixed(4)}`,
    );
    console.error(`frame times (s): ${video.plan.times.map((t) => t.toFixed(3)).join(' ')}`);
    const file = values.frames;
    const probe = probeVideo(file);
    const clips = new Map<string, Promise<RewatchClip>>();
    clipFrames = (cited) => {
      const key = `${cited.start}-${cited.end ?? ''}`;
      if (!clips.has(key)) {
        const plan = planClip(cited, {
          duration: video.duration,
          videoFps: probe.videoFps,
          totalFrames: probe.totalFrames,
        });
        const size = { width: video.width, height: video.height };
        clips.set(
          key,
          decodeFrameIndices(file, probe, plan.indices, size).then((frames) => ({ ...plan, ...size, frames })),
        );
      }
      return clips.get(key)!;
    };
    request = askToChat({
      frames: { frames: video.frames, width: video.width, height: video.height, sampleFps: video.plan.sampleFps },
      duration: video.duration,
      question: values.question,
      ...generation,
    });
  }

  const loadStarted = performance.now();
  const model = await LoadedModel.open(nodeModelFolder(values.model), nodeBackend(values.device), dtype);
  const session = new ChatSession(model);
  console.error(
    `loaded ${values.model} (${dtype}, ${values.device}, KV cache ${session.context.cache.inPlace ? 'in place' : 'grown per step'}) in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`,
  );

  let stop = false;
  process.once('SIGINT', () => (stop = true));
  const control = {
    shouldStop: () => stop,
    onToken: (piece: string) => process.stdout.write(piece),
    onProgress: (p: RunProgress) =>
      process.stderr.write(
        `\r${p.phase === 'vision' ? `vision encoder: step ${p.done}/${p.total}` : `prefill: ${p.done}/${p.total} tokens`} (${(p.elapsedMs / 1000).toFixed(1)} s)`,
      ),
  };
  const span = (r: { start: number; end?: number }) =>
    r.end === undefined ? formatTime(r.start) : `${formatTime(r.start)}-${formatTime(r.end)}`;
  const printRewatch = (r: RewatchEvidence, n: number) =>
    console.error(
      `\n[re-watch ${n}: cited ${span(r.cited)}, shown ${span(r)}${r.note ? ` (${r.note})` : ''}, ${r.times.length} frames at ${r.sampleFps.toFixed(2)} fps; frame times (s): ${r.times.map((t) => t.toFixed(3)).join(' ')}]`,
    );
  let rewatchCount = 0;
  const grounded = values.grounded && clipFrames;
  const result = grounded
    ? await runGrounded(session, request, control, {
        maxRewatches,
        clipFrames: grounded,
        forcedPrefix: values['forced-prefix'],
        onRewatch: (r) => printRewatch(r, ++rewatchCount),
      })
    : await runChat(session, request, control);
  process.stdout.write('\n');
  const s = result.stats;
  console.error(
    `frames ${s.frames}, visual tokens ${s.visualTokens}, prompt tokens ${s.promptTokens}, generated ${s.generatedTokens}${result.stopped ? ' (stopped)' : ''}; ` +
      `vision ${(s.visionMs / 1000).toFixed(2)} s, prefill ${(s.prefillMs / 1000).toFixed(2)} s in ${s.prefillChunks} runs, ` +
      `TTFT ${(s.ttftMs / 1000).toFixed(2)} s, ${s.tokensPerSecond.toFixed(1)} tok/s (${values.device}, ${dtype})`,
  );
  if (grounded) console.error(`grounded: ${rewatchCount} re-watch(es), at most ${maxRewatches}`);
  if (values['check-evidence'] && clipFrames && !stop) {
    const checks = observationsToCheck(parseTrace(result.text));
    if (checks.length === 0) console.error('check-evidence: no observation in this answer cites a time');
    for (const check of checks) {
      const clip = await clipFrames(check.cited);
      const evidence = await checkEvidence(model, check.observation, clip, { shouldStop: () => stop });
      if (!evidence) break;
      console.error(
        `evidence: "${check.observation}" against ${span(clip)} (${clip.frames.length} frames): score ${evidence.score.toFixed(3)}, ${evidence.verdict}`,
      );
    }
  }
  await session.release();
  if (expectedIds) {
    const same =
      result.tokenIds.length === expectedIds.length && result.tokenIds.every((id, i) => id === expectedIds[i]);
    console.error(
      same
        ? `the reference's ${expectedIds.length} greedy ids: identical`
        : `greedy ids differ from the reference:\n  got      ${result.tokenIds.join(',')}\n  expected ${expectedIds.join(',')}`,
    );
    process.exit(same ? 0 : 1);
  }
} catch (e) {
  console.error(`ask: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
