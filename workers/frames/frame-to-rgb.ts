/**
 * Brings one decoded frame to the model's input: upright (rotation and flip applied), RGB uint8
 * [height][width][3], at the smart_resize size. Two ways (see FrameResize in src/lib/frames-protocol.ts); the
 * benchmark (scripts/bench-frames.ts) measures both.
 */
import type { VideoSample } from 'mediabunny';
import type { FrameResize } from '../../src/lib/frames-protocol.ts';
import { resizeRgb } from '../../src/lib/image-resize.ts';
import { isYuvFormat, yuvTables, yuvToRgb } from './yuv-to-rgb.ts';

/** Converts samples of one video to RGB at one size; reuses its scratch memory between frames. */
export type FrameToRgb = (sample: VideoSample) => Promise<Uint8Array>;

/** @param colorSpace the stream's tagged colour space (the track's, not the decoder's guess) */
export function frameToRgb(resize: FrameResize, width: number, height: number, colorSpace: VideoColorSpaceInit): FrameToRgb {
  return resize === 'canvas' ? viaCanvas(width, height) : viaBicubic(width, height, colorSpace);
}

/**
 * Copies `channels`-byte pixels (RGB, RGBA/RGBX) to packed RGB while turning the image `rotation` degrees
 * clockwise and then mirroring it when `flip`. Returns the upright image and its size (packed RGB that needs
 * no turn comes back as is).
 */
export function orientToRgb(src: Uint8Array | Uint8ClampedArray, w: number, h: number, channels: 3 | 4, rotation: number, flip: boolean) {
  const quarter = ((rotation % 360) + 360) % 360 / 90;
  if (channels === 3 && quarter === 0 && !flip && src instanceof Uint8Array) return { data: src, width: w, height: h };
  const outW = quarter % 2 === 0 ? w : h;
  const outH = quarter % 2 === 0 ? h : w;
  // Source pixel index = base + x' * dx + y' * dy for output pixel (x', y').
  let [base, dx, dy] = [
    [0, 1, w],
    [(h - 1) * w, -w, 1],
    [(h - 1) * w + w - 1, -1, -w],
    [w - 1, w, -1],
  ][quarter];
  if (flip) {
    base += (outW - 1) * dx;
    dx = -dx;
  }
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

/**
 * Full-size RGB converted here as ffmpeg would (yuv-to-rgb.ts), then the training resize on the CPU. Frames
 * in other formats (10-bit, RGB) take the browser's conversion.
 */
function viaBicubic(width: number, height: number, colorSpace: VideoColorSpaceInit): FrameToRgb {
  const tables = yuvTables(colorSpace);
  let scratch = new Uint8Array(0);
  return async (sample) => {
    const { width: w, height: h } = sample.visibleRect;
    const format = sample.format;
    const yuv = isYuvFormat(format);
    const size = yuv ? sample.allocationSize() : w * h * 4;
    if (scratch.length < size) scratch = new Uint8Array(size);
    const rgb = yuv
      ? yuvToRgb(scratch, await sample.copyTo(scratch), format, w, h, tables)
      : (await sample.copyTo(scratch, { format: 'RGBX' }), orientToRgb(scratch, w, h, 4, 0, false).data);
    const upright = orientToRgb(rgb, w, h, 3, sample.rotation, sample.flip);
    return resizeRgb(upright.data, upright.width, upright.height, width, height);
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
    return orientToRgb(context.getImageData(0, 0, width, height).data, width, height, 4, 0, false).data;
  };
}
