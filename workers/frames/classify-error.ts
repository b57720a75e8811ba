/**
 * Turns whatever mediabunny or WebCodecs threw into an AppError with the right frames kind.
 */
import { UnsupportedInputFormatError } from 'mediabunny';
import { AppError } from '../../src/lib/protocol/app-error.ts';

export function classifyReadError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof UnsupportedInputFormatError) {
    return new AppError(
      'not-a-video',
      'This file is not a video in a format the app can read (MP4, MOV, WebM, MKV, ...).',
      { cause: error },
    );
  }
  // The decoder's own words (an EncodingError, a mediabunny internal) mean nothing to a person: they stay in
  // the cause, for a debugger.
  return new AppError(
    'decode-failed',
    "The video could not be decoded: its data is damaged, or it uses a feature this browser's decoder lacks.",
    { cause: error },
  );
}
