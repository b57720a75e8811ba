/**
 * Pass/fail thresholds per dtype. fp32 must match the fp32 reference closely (the oracle's own fp64 and
 * sdpa variants differ by < 5e-6) and reproduce every greedy id. 4-bit weights change logits by design:
 * for them the figure that matters is the cosine of the logits and of the vision features to the
 * reference; greedy agreement is reported but not required (a random-weight tiny model's top-2 gaps are
 * ~0.01, far below 4-bit noise, so one flipped id sends the rest of the continuation elsewhere).
 */
import type { Dtype } from '../converter/dtypes.ts';

export interface Tolerance {
  /** Max-abs bound on vision features and logits (undefined: not checked). */
  maxAbsDiff?: number;
  /** Cosine floor on vision features and logits (undefined: not checked). */
  minCosine?: number;
  /** Greedy ids must all match. */
  identicalIds: boolean;
}

export const TOLERANCES: Record<Dtype, Tolerance> = {
  fp32: { maxAbsDiff: 1e-3, identicalIds: true },
  fp16: { minCosine: 0.999, identicalIds: false },
  q4: { minCosine: 0.98, identicalIds: false },
  q4f16: { minCosine: 0.98, identicalIds: false },
};
