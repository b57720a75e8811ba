/**
 * The frames worker's job done with native ffmpeg, for Node: probe a video file, plan its frames as
 * qwen-vl-utils would (src/lib/preprocess/video-sampling.ts), decode exactly the planned frame indices in one pass,
 * and resize each upright frame to the smart_resize size with the same bit-exact resize the app uses.
 */
import { execFileSync, spawn } from 'node:child_process';
import { resizeRgb } from '../src/lib/preprocess/image-resize.ts';
import { smartResize } from '../src/lib/preprocess/smart-resize.ts';
import { planFrames, type FramePlan } from '../src/lib/preprocess/video-sampling.ts';

export interface FfmpegFrames {
  /** Seconds. */
  duration: number;
  plan: FramePlan;
  width: number;
  height: number;
  /** RGB uint8 [height][width][3] per planned frame. */
  frames: Uint8Array[];
}

export interface FfmpegFrameOptions {
  fps: number;
  maxFrames: number;
  minPixels: number;
  maxPixels: number;
}

interface Probe {
  streams?: {
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    nb_frames?: string;
    duration?: string;
    side_data_list?: { rotation?: number }[];
  }[];
  format?: { duration?: string };
}

function rate(text: string | undefined): number {
  const [num, den] = (text ?? '').split('/').map(Number);
  return den ? num / den : num;
}

/** What ffprobe says about a video file's first video stream. */
export interface VideoProbe {
  /** Seconds. */
  duration: number;
  videoFps: number;
  /** From the container, when it says. */
  totalFrames?: number;
  /** Upright size (ffmpeg rotates frames upright by default, so the decoded size is the display size). */
  width: number;
  height: number;
}

/** @throws Error when ffprobe finds no video stream or no usable duration / frame rate. */
export function probeVideo(file: string): VideoProbe {
  const probe = JSON.parse(
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=width,height,avg_frame_rate,nb_frames,duration:stream_side_data=rotation:format=duration',
        '-of',
        'json',
        file,
      ],
      { encoding: 'utf8' },
    ),
  ) as Probe;
  const stream = probe.streams?.[0];
  if (!stream?.width || !stream.height) throw new Error(`${file}: no video stream`);
  const videoFps = rate(stream.avg_frame_rate);
  const duration = Number(stream.duration ?? probe.format?.duration);
  if (!(videoFps > 0) || !(duration > 0))
    throw new Error(`${file}: no usable frame rate (${stream.avg_frame_rate}) or duration (${duration})`);
  const totalFrames = stream.nb_frames ? Number(stream.nb_frames) : undefined;
  const quarterTurn =
    Math.abs(stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? 0) % 180 === 90;
  const [width, height] = quarterTurn ? [stream.height, stream.width] : [stream.width, stream.height];
  return { duration, videoFps, totalFrames, width, height };
}

/**
 * Decodes the frames at `indices` (native frame numbers, ascending; repeats allowed) in one pass, each resized
 * upright to `size` with the app's bit-exact resize.
 * @throws Error when ffmpeg fails or returns fewer frames than asked for.
 */
export async function decodeFrameIndices(
  file: string,
  probe: VideoProbe,
  indices: readonly number[],
  size: { width: number; height: number },
): Promise<Uint8Array[]> {
  const unique = [...new Set(indices)].sort((a, b) => a - b);
  const select = unique.map((i) => `eq(n\\,${i})`).join('+');
  const ffmpeg = spawn(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      file,
      '-vf',
      `select='${select}'`,
      '-fps_mode',
      'passthrough',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const { width: srcW, height: srcH } = probe;
  const frameBytes = srcW * srcH * 3;
  const frames: Uint8Array[] = [];
  let pending = Buffer.alloc(0);
  let stderr = '';
  ffmpeg.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // Frames are resized as they arrive: a long 1080p video never sits in memory at full size.
  for await (const chunk of ffmpeg.stdout as AsyncIterable<Buffer>) {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= frameBytes) {
      frames.push(resizeRgb(new Uint8Array(pending.subarray(0, frameBytes)), srcW, srcH, size.width, size.height));
      pending = pending.subarray(frameBytes);
    }
  }
  const code = await new Promise<number | null>((resolve) => ffmpeg.on('close', resolve));
  if (code !== 0) throw new Error(`ffmpeg failed on ${file}: ${stderr.trim()}`);
  if (frames.length !== unique.length)
    throw new Error(`${file}: ffmpeg decoded ${frames.length} of the ${unique.length} planned frames`);
  return indices.map((i) => frames[unique.indexOf(i)]);
}

/** @throws Error when ffprobe finds no video stream or no usable duration / frame rate. */
export async function decodePlannedFrames(file: string, options: FfmpegFrameOptions): Promise<FfmpegFrames> {
  const probe = probeVideo(file);
  const { duration, videoFps, totalFrames } = probe;
  const plan = planFrames({ duration, videoFps, totalFrames, fps: options.fps, maxFrames: options.maxFrames });
  const size = smartResize(probe.height, probe.width, { minPixels: options.minPixels, maxPixels: options.maxPixels });
  const frames = await decodeFrameIndices(file, probe, plan.indices, size);
  return { duration, plan, width: size.width, height: size.height, frames };
}
