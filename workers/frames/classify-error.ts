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
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new AppError('decode-failed', `The video could not be decoded (${detail}).`, { cause: error });
}
