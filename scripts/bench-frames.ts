/**
 * `npm run bench:frames`: frame sampling for ReWatch-R1 (192 frames at 2 fps max, 128*28*28 pixels per frame)
 * from a 10-minute 1280x720 H.264 file, three ways, each checked by the frame index every frame carries as a
 * pixel code (tests/support/frame-code.ts):
 *   (a) the frames worker in headless Chromium (WebCodecs via mediabunny), with both resize paths;
 *   (b) naive <video>.currentTime seeking + canvas drawImage in the same browser;
 *   (c) native ffmpeg decoding the same frames to raw RGB (one pass with a select filter, and one process per
 *       frame with an accurate -ss seek; the faster counts), then src/lib's resize to the model size.
 * (c)'s frames, resized with src/lib/preprocess/image-resize.ts (the torchvision resize ReWatch-R1 was trained with),
 * are also the reference the worker's frames are compared with pixel by pixel. Then preprocessing of the
 * 192 full-size frames: ours (resizeRgb + patchify) vs transformers.js' Qwen2VLImageProcessor, in Chromium.
 * The video is made once (a few minutes) and cached in models/fixtures/bench/.
 *
 * `npm run bench:frames -- --long`: only the fixtures' 2-hour 1080p file (scripts/fixtures/videos.ts
 * LONG_VIDEO): the check made on opening it, and the time to the first token's frames (ReWatch's 192-frame
 * extraction, the app's default resize), each frame checked by its code.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from 'mediabunny';
import { REWATCH_FRAME_PIXELS, smartResize } from '../src/lib/preprocess/smart-resize.ts';
import { resizeRgb } from '../src/lib/preprocess/image-resize.ts';
import { planFrames } from '../src/lib/preprocess/video-sampling.ts';
import type { FramesBenchHarness, WorkerRun } from '../tests/pages/frames-bench.ts';
import { launchChromium, startDevServer, type Page } from '../tests/support/browser.ts';
import { openHarness, type HarnessClient } from '../tests/support/harness.ts';
import { codeFilter, readFrameCode } from '../tests/support/frame-code.ts';
import { REFERENCE_ROOT, REPO_ROOT } from '../tests/support/reference.ts';
import makeVideos, { LONG_VIDEO as FIXTURE_LONG, VIDEO_FIXTURES_DIR } from './fixtures/videos.ts';

const W = 1280;
const H = 720;
const FPS = 30;
const SECONDS = 600;
const TOTAL = FPS * SECONDS;
const BENCH_DIR = join(REPO_ROOT, 'models/fixtures/bench');
const BENCH_URL = '/models/fixtures/bench';
const VIDEO = join(BENCH_DIR, `h264-${W}x${H}-${SECONDS}s.mp4`);

const REWATCH = { fps: 2, maxFrames: 192, minPixels: REWATCH_FRAME_PIXELS, maxPixels: REWATCH_FRAME_PIXELS };
const plan = planFrames({
  duration: SECONDS,
  videoFps: FPS,
  totalFrames: TOTAL,
  fps: REWATCH.fps,
  maxFrames: REWATCH.maxFrames,
});
const size = smartResize(H, W, { minPixels: REWATCH.minPixels, maxPixels: REWATCH.maxPixels });
const FULL_BYTES = W * H * 3;

function makeVideo(): void {
  if (existsSync(VIDEO)) return;
  mkdirSync(BENCH_DIR, { recursive: true });
  console.log(`making ${VIDEO} (once; a few minutes)...`);
  const partial = `${VIDEO}.partial.mp4`;
  // testsrc2 moves everywhere in the frame: ~2.7 Mbit/s at this quality, a realistic 720p bitrate. libx264's
  // defaults otherwise (B-frames, keyframe at most every 250 frames), as a typical ffmpeg-made file.
  execFileSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=${W}x${H}:r=${FPS},trim=end_frame=${TOTAL},${codeFilter(W, H)}`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-pix_fmt',
      'yuv420p',
      partial,
    ],
    { stdio: 'inherit' },
  );
  renameSync(partial, VIDEO);
}

/**
 * A 2-hour 1920x1080 file, to show that length costs nothing but the frames decoded: a 10 s clip (25 fps,
 * keyframe every 2 s, as phones write) repeated 720 times by stream copy. Its frame codes count 0..249 per clip.
 */
const LONG = { w: 1920, h: 1080, fps: 25, clipFrames: 250, clips: 720 };
const LONG_VIDEO = join(BENCH_DIR, `h264-${LONG.w}x${LONG.h}-2h.mp4`);

function makeLongVideo(): void {
  if (existsSync(LONG_VIDEO)) return;
  console.log(`making ${LONG_VIDEO} (once)...`);
  const clip = join(BENCH_DIR, 'clip-1080p-10s.mp4');
  const list = join(BENCH_DIR, 'clips.txt');
  const partial = `${LONG_VIDEO}.partial.mp4`;
  const quiet = ['-hide_banner', '-loglevel', 'error', '-y'];
  execFileSync(
    'ffmpeg',
    [
      ...quiet,
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=${LONG.w}x${LONG.h}:r=${LONG.fps},trim=end_frame=${LONG.clipFrames},${codeFilter(LONG.w, LONG.h)}`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-b:v',
      '400k',
      '-g',
      '50',
      '-pix_fmt',
      'yuv420p',
      clip,
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(list, `file '${clip}'\n`.repeat(LONG.clips));
  execFileSync('ffmpeg', [...quiet, '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', partial], {
    stdio: 'inherit',
  });
  rmSync(clip);
  rmSync(list);
  renameSync(partial, LONG_VIDEO);
}

/** Runs ffmpeg and collects its raw rgb24 output, one buffer per full-size frame. */
function ffmpegFrames(args: string[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', ...args, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited with ${code}`));
      const all = Buffer.concat(chunks);
      resolve(
        Array.from({ length: all.length / FULL_BYTES }, (_, i) => all.subarray(i * FULL_BYTES, (i + 1) * FULL_BYTES)),
      );
    });
  });
}

/** One ffmpeg pass over the whole file; a select filter keeps the planned frame numbers. */
async function ffmpegSelect(): Promise<{ ms: number; frames: Buffer[] }> {
  // A balanced sum: ffmpeg's expression parser gives up on a flat chain of more than ~100 terms.
  const anyOf = (ix: number[]): string =>
    ix.length === 1 ? `eq(n\\,${ix[0]})` : `(${anyOf(ix.slice(0, ix.length >> 1))}+${anyOf(ix.slice(ix.length >> 1))})`;
  const select = anyOf(plan.indices);
  const started = performance.now();
  const frames = await ffmpegFrames(['-i', VIDEO, '-vf', `select=${select}`, '-fps_mode', 'passthrough']);
  return { ms: performance.now() - started, frames };
}

/** One ffmpeg process per frame: an accurate seek (to the keyframe before, then decode up to the frame). */
async function ffmpegSeek(): Promise<{ ms: number; frames: Buffer[] }> {
  const started = performance.now();
  const frames: Buffer[] = [];
  for (const i of plan.indices) {
    // -ss gives the first frame at or after the time: a quarter frame before frame i is frame i.
    frames.push(...(await ffmpegFrames(['-ss', ((i - 0.25) / FPS).toFixed(6), '-i', VIDEO, '-frames:v', '1'])));
  }
  return { ms: performance.now() - started, frames };
}

/**
 * Frames each method has to decode, from the file's packet index (independent of machine load): the worker
 * decodes from a keyframe up to its last planned frame before the next keyframe, once per group of pictures
 * (mediabunny's samplesAtTimestamps); a <video> seek decodes from the keyframe before each frame up to it;
 * ffmpeg's select pass decodes everything.
 */
async function decodeWork(times: number[]): Promise<{ worker: number; naive: number; all: number }> {
  const input = new Input({ source: new FilePathSource(VIDEO), formats: ALL_FORMATS });
  const track = (await input.getPrimaryVideoTrack())!;
  const packets: { ts: number; seq: number; key: boolean }[] = [];
  for await (const p of new EncodedPacketSink(track).packets(undefined, undefined, { metadataOnly: true })) {
    packets.push({ ts: p.timestamp, seq: p.sequenceNumber, key: p.type === 'key' });
  }
  input.dispose();
  const byTime = [...packets].sort((a, b) => a.ts - b.ts);
  const keys = byTime.filter((p) => p.key);
  const last = <T extends { ts: number }>(list: T[], t: number) => list.filter((p) => p.ts <= t).at(-1)!;
  let worker = 0;
  let naive = 0;
  let batch: { key: number; maxSeq: number } | null = null;
  for (const t of times) {
    const target = last(byTime, t);
    const key = last(keys, t);
    naive += target.seq - key.seq + 1;
    if (batch && batch.key === key.seq) batch.maxSeq = Math.max(batch.maxSeq, target.seq);
    else {
      if (batch) worker += batch.maxSeq - batch.key + 1;
      batch = { key: key.seq, maxSeq: target.seq };
    }
  }
  if (batch) worker += batch.maxSeq - batch.key + 1;
  return { worker, naive, all: packets.length };
}

/** How many frames show the planned index, and how many distinct frames there are. */
function checkCodes(codes: (number | null)[]): string {
  const correct = codes.filter((c, k) => c === plan.indices[k]).length;
  return `${correct}/${plan.count} correct, ${new Set(codes).size} distinct`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

async function main(): Promise<void> {
  makeVideo();
  makeLongVideo();
  console.log(
    `video: ${W}x${H} H.264, ${FPS} fps, ${SECONDS} s (${TOTAL} frames); plan: ${plan.count} frames at ${plan.sampleFps.toFixed(3)} fps; model size ${size.width}x${size.height}`,
  );

  const work = await decodeWork(plan.times.map((t) => t + 0.25 / FPS));
  console.log(
    `frames to decode (from the packet index): worker ${work.worker}, naive seeking ${work.naive}, ffmpeg select ${work.all}`,
  );

  const select = await ffmpegSelect();
  console.log(
    `ffmpeg select (1 pass):     ${seconds(select.ms)}  ${checkCodes(select.frames.map((f) => readFrameCode(f, W, H)))}`,
  );
  const seek = await ffmpegSeek();
  console.log(
    `ffmpeg -ss (${plan.count} processes): ${seconds(seek.ms)}  ${checkCodes(seek.frames.map((f) => readFrameCode(f, W, H)))}`,
  );
  const ffmpeg = select.ms <= seek.ms ? { method: 'select', ...select } : { method: '-ss', ...seek };

  const started = performance.now();
  const reference = ffmpeg.frames.map((f) => resizeRgb(f, W, H, size.width, size.height));
  const resizeMs = performance.now() - started;
  writeFileSync(join(BENCH_DIR, 'reference.rgb'), Buffer.concat(reference));
  writeFileSync(join(BENCH_DIR, 'full.rgb'), Buffer.concat(ffmpeg.frames));
  const ffmpegTotal = ffmpeg.ms + resizeMs;
  console.log(
    `ffmpeg (${ffmpeg.method}) + resizeRgb to ${size.width}x${size.height} in Node: ${seconds(ffmpegTotal)} (resize ${seconds(resizeMs)})`,
  );

  await withBenchPage(VIDEO, async (bench, page) => {
    const worker: Record<string, WorkerRun> = {};
    for (const resize of ['bicubic', 'canvas'] as const) {
      const r = await bench.worker({ ...REWATCH, resize }, `${BENCH_URL}/reference.rgb`);
      worker[resize] = r;
      const planOk = JSON.stringify(r.plannedTimes) === JSON.stringify(plan.times);
      const late = Math.max(...r.timestamps.map((t, k) => Math.abs(t - plan.indices[k] / FPS)));
      console.log(
        `worker (${resize}): ${seconds(r.ms)}  ${checkCodes(r.codes)}; plan ${planOk ? 'matches' : 'DIFFERS'}; max |timestamp - index/fps| ${late.toExponential(1)} s; open frames after: ${r.openFrames}`,
      );
      console.log(
        `  vs ffmpeg + torchvision-exact resize: max ${r.diff.max} levels, mean ${r.diff.mean.toFixed(3)}, >1 level ${(100 * r.diff.over1).toFixed(2)}%, >8 levels ${(100 * r.diff.over8).toFixed(3)}%`,
      );
    }

    const times = plan.times.map((t) => t + 0.25 / FPS);
    const naive = await bench.naive(times, size.width, size.height);
    console.log(`naive <video> seeking + canvas: ${seconds(naive.ms)}  ${checkCodes(naive.codes)}`);

    const config = JSON.parse(
      readFileSync(join(REFERENCE_ROOT, 'qwen2_5_vl_tiny/model/preprocessor_config.json'), 'utf8'),
    );
    // The tiny reference config leaves out the keys whose Python defaults are true (transformers.js defaults them
    // off); the released Qwen2.5-VL configs state them, as here. Resample 3 = bicubic.
    const processorConfig = {
      ...config,
      do_resize: true,
      do_rescale: true,
      do_normalize: true,
      resample: 3,
      min_pixels: REWATCH_FRAME_PIXELS,
      max_pixels: REWATCH_FRAME_PIXELS,
    };
    const pre = await bench.preprocess(`${BENCH_URL}/full.rgb`, W, H, size.width, size.height, processorConfig);

    // Length: the 2-hour 1080p file through the same worker (a File from disk, never read whole).
    await page.setInputFiles('#video', LONG_VIDEO);
    const long = await bench.long(REWATCH);
    const longPlan = planFrames({
      duration: (LONG.clips * LONG.clipFrames) / LONG.fps,
      videoFps: LONG.fps,
      totalFrames: LONG.clips * LONG.clipFrames,
    });
    const longCorrect = long.codes.filter((c, k) => c === longPlan.indices[k] % LONG.clipFrames).length;
    console.log(
      `2-hour ${LONG.w}x${LONG.h} file: probe ${seconds(long.probeMs)} (duration ${long.info.duration.toFixed(1)} s, ${long.info.fps} fps); 192 frames at ${long.width}x${long.height} in ${seconds(long.ms)}, ${longCorrect}/${longPlan.count} correct`,
    );

    const best = worker.bicubic.ms;
    console.log(
      '\n== frame sampling: 192 frames of a 10-min 1280x720 H.264 file to RGB at ' + `${size.width}x${size.height} ==`,
    );
    console.log(
      `worker bicubic ${seconds(worker.bicubic.ms)} | worker canvas ${seconds(worker.canvas.ms)} | naive ${seconds(naive.ms)} | ffmpeg ${ffmpeg.method} + resize ${seconds(ffmpegTotal)} (decode only ${seconds(ffmpeg.ms)})`,
    );
    console.log(
      `frames decoded: worker ${work.worker}, naive ${work.naive} (${ratio(work.naive, work.worker)}), ffmpeg ${work.all}; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    console.log(
      `naive / worker(bicubic): ${ratio(naive.ms, best)} (goal >= 10x); worker(bicubic) / ffmpeg+resize: ${ratio(best, ffmpegTotal)} (goal <= 1.5x); worker(canvas) / ffmpeg+resize: ${ratio(worker.canvas.ms, ffmpegTotal)}`,
    );
    console.log(`== preprocessing of the 192 full-size frames into pixel values (Chromium) ==`);
    console.log(`ours (resizeRgb + patchify): ${seconds(pre.oursMs)} -> [${pre.oursShape}] grid ${pre.oursGrid}`);
    console.log(
      `transformers.js Qwen2VLImageProcessor: ${seconds(pre.theirsMs)} -> [${pre.theirsShape}] grid ${pre.theirsGrid}; ours is ${ratio(pre.theirsMs, pre.oursMs)} faster; max |diff| ${pre.maxDiff ?? 'n/a (shapes differ)'}`,
    );
  });
}

/** The frames-bench page in a fresh Chromium on the dev server, with `video` picked (no time limit on calls). */
async function withBenchPage(
  video: string,
  use: (bench: HarnessClient<FramesBenchHarness>, page: Page) => Promise<void>,
): Promise<void> {
  const server = await startDevServer();
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => console.error(`[page] ${e.message}`));
    const bench = await openHarness<FramesBenchHarness>(page, `${server.url}/tests/pages/frames-bench.html`, 300_000);
    await page.setInputFiles('#video', video);
    page.setDefaultTimeout(0);
    await use(bench, page);
  } finally {
    await browser.close();
    await server.server.close();
  }
}

/** `--long`: the fixtures' 2-hour file, opened and extracted as the app does before a question's first token. */
async function longFixture(): Promise<void> {
  await makeVideos();
  const video = FIXTURE_LONG;
  const longPlan = planFrames({
    duration: video.frames / video.fps,
    videoFps: video.fps,
    totalFrames: video.frames,
    fps: REWATCH.fps,
    maxFrames: REWATCH.maxFrames,
  });
  await withBenchPage(join(VIDEO_FIXTURES_DIR, video.file), async (bench) => {
    const r = await bench.long(REWATCH);
    const correct = r.codes.filter((c, k) => c === longPlan.indices[k]).length;
    console.log(
      `${video.file}: ${video.codedWidth}x${video.codedHeight} H.264, ${video.fps} fps, ${(r.info.duration / 3600).toFixed(2)} h (${video.frames} frames)`,
    );
    console.log(`check on opening (inspect): ${seconds(r.inspectMs)}; probe: ${seconds(r.probeMs)}`);
    console.log(
      `time to the first token's frames (extract, bicubic): ${seconds(r.ms)} for ${r.codes.length} frames at ${r.width}x${r.height}, ${correct}/${longPlan.count} the planned ones by content; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
  });
}

await (process.argv.includes('--long') ? longFixture() : main());
