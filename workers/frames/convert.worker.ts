/**
 * A helper of the frames worker: converts captured frames to model-size RGB (frame-to-rgb.ts) on its own
 * thread, so the frames worker keeps feeding the decoder meanwhile. Owned by convert-pool.ts.
 */
import { expose, transfer } from 'comlink';
import { capturedToRgb, type CapturedFrame } from './frame-to-rgb.ts';
import { yuvTables } from './yuv-to-rgb.ts';

const api = {
  convert(frame: CapturedFrame, colorSpace: VideoColorSpaceInit, width: number, height: number): Uint8Array {
    const rgb = capturedToRgb(frame, yuvTables(colorSpace), width, height);
    return transfer(rgb, [rgb.buffer]);
  },
};

export type ConvertApi = typeof api;

expose(api);
