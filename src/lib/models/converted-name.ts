/**
 * The name a conversion is kept under in this browser when its folder's name is already taken and the
 * person keeps both: the dtype appended (`ReWatch-R1-q4`), then a number (`ReWatch-R1-q4-2`) while that is
 * taken too, so neither model's files are touched.
 */
import type { ModelDtype } from './model-layout.ts';

export function keepBothName(name: string, dtype: ModelDtype, taken: readonly string[]): string {
  const base = `${name}-${dtype}`;
  const used = new Set(taken);
  let candidate = base;
  for (let n = 2; used.has(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}
