/** Comparison figures parity reports for each tensor. */

export interface TensorDiff {
  name: string;
  maxAbsDiff: number;
  cosine: number;
}

export function compare(name: string, actual: Float32Array, expected: Float32Array): TensorDiff {
  if (actual.length !== expected.length)
    throw new Error(`${name}: ${actual.length} values, reference has ${expected.length}`);
  let maxAbsDiff = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const d = Math.abs(a - b);
    // NaN must fail, never hide behind a comparison that is always false.
    if (d > maxAbsDiff || Number.isNaN(d)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
    dot += a * b;
    na += a * a;
    nb += b * b;
  }
  return { name, maxAbsDiff, cosine: dot / Math.sqrt(na * nb) };
}
