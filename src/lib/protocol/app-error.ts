/**
 * The one error type of the app's workers, and how it crosses a worker boundary: each worker API returns an
 * Outcome (its value, or a failure with the kind the UI switches on and a message meant for people), built by
 * `outcomeOf` on the worker's side; the typed client on the page turns a failure back into an AppError with
 * `valueOf`. No comlink handler is involved, so the kind survives the boundary as plain data.
 */
import type { ConvertErrorKind } from './convert-protocol.ts';
import type { FramesErrorKind } from './frames-protocol.ts';
import type { InferenceErrorKind } from './inference-protocol.ts';

/** Every worker's kinds; each API's Outcome narrows it to its own (FramesOutcome, InferenceOutcome). */
export type AppErrorKind = FramesErrorKind | InferenceErrorKind | ConvertErrorKind;

/** A failed call: the kind to switch on and a message meant for people. */
export interface Failure<K extends AppErrorKind> {
  ok: false;
  kind: K;
  message: string;
}

/** What a worker API call resolves to; it never rejects for a failure the UI has a kind for. */
export type Outcome<T, K extends AppErrorKind> = { ok: true; value: T } | Failure<K>;

/** A failure the UI can switch on by `kind`; the message is meant for people. */
export class AppError<K extends AppErrorKind = AppErrorKind> extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly kind: K,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The worker's side: runs `work`, turning an AppError into a failure value. Other errors (bad options, bugs)
 * still reject, with comlink's plain error.
 */
export async function outcomeOf<T, K extends AppErrorKind>(work: () => T | Promise<T>): Promise<Outcome<T, K>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, kind: error.kind as K, message: error.message };
    throw error;
  }
}

/** The page's side: the value, or the failure as an AppError of the API's kinds. */
export function valueOf<T, K extends AppErrorKind>(outcome: Outcome<T, K>): T {
  if (!outcome.ok) throw new AppError(outcome.kind, outcome.message);
  return outcome.value;
}
