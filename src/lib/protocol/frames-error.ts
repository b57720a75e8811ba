/**
 * The one error type of frame extraction. The worker throws it internally and returns it as a FramesFailure;
 * the main-thread client turns a failure back into this error.
 */
import type { FramesErrorKind, FramesFailure } from './frames-protocol.ts';

/** A failure the UI can switch on by `kind`; the message is meant for people. */
export class FramesError extends Error {
  override readonly name = 'FramesError';

  constructor(
    readonly kind: FramesErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static fromFailure(failure: FramesFailure): FramesError {
    return new FramesError(failure.kind, failure.message);
  }

  toFailure(): FramesFailure {
    return { ok: false, kind: this.kind, message: this.message };
  }
}
