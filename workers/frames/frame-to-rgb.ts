/**
 * Brings one decoded frame to the model's input: upright (rotation and flip applied), RGB uint8
 * [height][width][3], at the smart_resize size. Two ways (see FrameResize in src/lib/protocol/frames-protocol.ts); the
 * benchmark (scripts/bench-frames.ts) measures both. The 'bicubic' way only copies the pixels out of the
 * decoder here and does the CPU work in a pool of helper workers, so decoding never waits for it.
 */
import type { VideoSample } from 'mediabunny';
import type { FrameResize } from '../../src/lib/protocol/frames-protocol.ts';
import { resizeRgb } from '../../src/lib/preprocess/image-resize.ts';
import type { ConvertPool } from './convert-pool.ts';
import { isYuvFormat, yuvToRgb, type YuvFormat, type YuvTables } from './yuv-to-rgb.ts';

/**
 * Converts samples of one video to RGB at one size. Resolves once the sample's pixels have been taken (the
 * caller may close it then) to `rgb`, which resolves when the frame is converted.
 */
export type FrameToRgb = (sample: VideoSample) => Promise<{ rgb: Promise<Uint8Array> }>;

/**
 * @param colorSpace the stream's tagged colour space (the track's, not the decoder's guess)
 * @param pool where 'bicubic' conversions run
 */
export function frameToRgb(
  resize: FrameResize,
  width: number,
  height: number,
  colorSpace: VideoColorSpaceInit,
  pool: ConvertPool,
): FrameToRgb {
  return resize === 'canvas' ? viaCanvas(width, height) : viaBicubic(width, height, colorSpace, pool);
}

/** A decoded frame's pixels copied out of the decoder, as they travel to a helper worker. */
export interface CapturedFrame {
  data: Uint8Array;
  /** Offset and stride of each plane (one plane for RGBX). */
  layout: PlaneLayout[];
  /** YUV as decoded, or RGBX from the browser's conversion (10-bit and RGB frames). */
  format: YuvFormat | 'RGBX';
  width: number;
  height: number;
  rotation: number;
  flip: boolean;
}

/** Copies a frame's pixels out (a native copy), so it can be closed before it is converted. */
export async function captureFrame(sample: VideoSample): Promise<CapturedFrame> {
  const { width, height } = sample.visibleRect;
  const yuv = isYuvFormat(sample.format);
  const data = new Uint8Array(yuv ? sample.allocationSize() : width * height * 4);
  const layout = await sample.copyTo(data, yuv ? {} : { format: 'RGBX' });
  return {
    data,
    layout,
    format: yuv ? (sample.format as YuvFormat) : 'RGBX',
    width,
    height,
    rotation: sample.rotation,
    flip: sample.flip,
  };
}

/** Full-size RGB as ffmpeg converts it (yuv-to-rgb.ts), turned upright, then the training resize. */
export function capturedToRgb(frame: CapturedFrame, tables: YuvTables, width: number, height: number): Uint8Array {
  const { data, layout, format, width: w, height: h } = frame;
  const upright =
    format === 'RGBX'
      ? orientToRgb(data, w, h, 4, frame.rotation, frame.flip)
      : orientToRgb(yuvToRgb(data, layout, format, w, h, tables), w, h, 3, frame.rotation, frame.flip);
  return resizeRgb(upright.data, upright.width, upright.height, width, height);
}

/**
 * Copies `channels`-byte pixels (RGB, RGBA/RGBX) to packed RGB while turning the image `rotation` degrees
 * clockwise and then mirroring it when `flip`. Returns the upright image and its size (packed RGB that needs
 * no turn comes back as is).
 */
export function orientToRgb(
  src: Uint8Array | Uint8ClampedArray,
  w: number,
  h: number,
  channels: 3 | 4,
  rotation: number,
  flip: boolean,
) {
  const quarter = (((rotation % 360) + 360) % 360) / 90;
  if (channels === 3 && quarter === 0 && !flip && src instanceof Uint8Array) return { data: src, width: w, height: h };
  const outW = quarter % 2 === 0 ? w : h;
  const outH = quarter % 2 === 0 ? h : w;
  // Source pixel index = base + x' * dx + y' * dy for output pixel (x', y').
  const [start, stepX, dy] = [
    [0, 1, w],
    [(h - 1) * w, -w, 1],
    [(h - 1) * w + w - 1, -1, -w],
    [w - 1, w, -1],
  ][quarter];
  // A mirrored frame reads each output row from its far end.
  const base = flip ? start + (outW - 1) * stepX : start;
  const dx = flip ? -stepX : stepX;
  const out = new Uint8Array(outW * outH * 3);
  let o = 0;
  for (let y = 0; y < outH; y++) {
    let s = base + y * dy;
    for (let x = 0; x < outW; x++, s += dx, o += 3) {
      const i = s * channels;
      out[o] = src[i];
      out[o + 1] = src[i + 1];
      out[o + 2] = src[i + 2];
    }
  }
  return { data: out, width: outW, height: outH };
}

/** Captures here, converts in the pool (the default, training-faithful way). */
function viaBicubic(width: number, height: number, colorSpace: VideoColorSpaceInit, pool: ConvertPool): FrameToRgb {
  return async (sample) => {
    const frame = await captureFrame(sample);
    return { rgb: pool.convert(frame, colorSpace, width, height) };
  };
}

/** The browser's scaler: mediabunny draws the frame upright into a canvas of the target size. */
function viaCanvas(width: number, height: number): FrameToRgb {
  const canvas = new OffscreenCanvas(width, height);
  // willReadFrequently: a CPU-backed canvas, since every frame is read back.
  const context = canvas.getContext('2d', { willReadFrequently: true, alpha: false });
  if (!context) throw new Error('OffscreenCanvas 2D is not available in this worker');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  return async (sample) => {
    sample.draw(context, 0, 0, width, height);
    return {
      rgb: Promise.resolve(
        orientToRgb(context.getImageData(0, 0, width, height).data, width, height, 4, 0, false).data,
      ),
    };
  };
}
