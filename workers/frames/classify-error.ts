/**
 * Turns whatever mediabunny or WebCodecs threw into a FramesError with the right kind.
 */
import { UnsupportedInputFormatError } from 'mediabunny';
import { FramesError } from '../../src/lib/protocol/frames-error.ts';

export function classifyReadError(error: unknown): FramesError {
  if (error instanceof FramesError) return error;
  if (error instanceof UnsupportedInputFormatError) {
    return new FramesError('not-a-video', 'This file is not a video in a format the app can read (MP4, MOV, WebM, MKV, ...).', { cause: error });
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new FramesError('decode-failed', `The video could not be decoded (${detail}).`, { cause: error });
}
