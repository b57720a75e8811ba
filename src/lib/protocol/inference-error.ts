/**
 * The one error type of the inference worker, and how it crosses the worker boundary with its kind intact
 * (comlink's default handler keeps only name, message and stack, so the UI could not switch on the kind).
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import type { InferenceErrorKind } from './inference-protocol.ts';

/** A failure the UI can switch on by `kind`; the message is meant for people. */
export class InferenceError extends Error {
  override readonly name = 'InferenceError';

  constructor(
    readonly kind: InferenceErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface WireInferenceError {
  inferenceError: { kind: InferenceErrorKind; message: string };
}

function isWireInferenceError(value: unknown): value is WireInferenceError {
  return typeof value === 'object' && value !== null && 'inferenceError' in value;
}

let installed = false;

/**
 * Makes comlink carry InferenceError (kind included) from the worker to the caller. Both sides call it;
 * calling it again is a no-op. Other errors keep comlink's default behaviour.
 */
export function installInferenceErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const fallback = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
  const handler: TransferHandler<{ value: unknown }, unknown> = {
    canHandle: (value): value is { value: unknown } => fallback.canHandle(value),
    serialize(thrown) {
      const { value } = thrown;
      if (value instanceof InferenceError) {
        const wire: WireInferenceError = { inferenceError: { kind: value.kind, message: value.message } };
        return [wire, []];
      }
      return fallback.serialize(thrown);
    },
    deserialize(serialized) {
      if (isWireInferenceError(serialized)) {
        throw new InferenceError(serialized.inferenceError.kind, serialized.inferenceError.message);
      }
      return fallback.deserialize(serialized);
    },
  };
  // Replacing the value keeps the key's position, so it is still consulted before custom handlers.
  transferHandlers.set('throw', handler);
}
