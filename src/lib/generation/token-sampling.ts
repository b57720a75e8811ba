/**
 * Picks the next token from a logits row: greedy (argmax, the first of equal maxima, as torch.argmax), or
 * sampling with temperature and nucleus (top-p) filtering as transformers' TopPLogitsWarper does: keep the
 * most probable tokens whose cumulative probability reaches top_p (always at least one).
 */

export interface SamplingOptions {
  /** 0 or absent: greedy. */
  temperature?: number;
  /** Nucleus mass in (0, 1]; 1 or absent keeps every token. */
  topP?: number;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Probabilities below this fraction of the top one cannot change a draw's outcome in practice; skipping them keeps a 152k-vocabulary sort cheap. */
const NEGLIGIBLE = 1e-12;

/** @param random a uniform draw in [0, 1) (injectable for tests) */
export function sampleToken(
  logits: ArrayLike<number>,
  options: SamplingOptions = {},
  random: () => number = Math.random,
): number {
  const temperature = options.temperature ?? 0;
  if (!(temperature > 0)) return argmax(logits);
  const topP = options.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`top_p must be in (0, 1], got ${topP}`);
  const max = logits[argmax(logits)];
  const floor = Math.log(NEGLIGIBLE) * temperature;
  const candidates: { id: number; weight: number }[] = [];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const shifted = logits[i] - max;
    if (shifted < floor) continue;
    const weight = Math.exp(shifted / temperature);
    candidates.push({ id: i, weight });
    sum += weight;
  }
  candidates.sort((a, b) => b.weight - a.weight || a.id - b.id);
  let kept = candidates.length;
  if (topP < 1) {
    let cumulative = 0;
    for (let k = 0; k < candidates.length; k++) {
      cumulative += candidates[k].weight / sum;
      if (cumulative >= topP) {
        kept = k + 1;
        break;
      }
    }
  }
  const keptSum = candidates.slice(0, kept).reduce((s, c) => s + c.weight, 0);
  let draw = random() * keptSum;
  for (let k = 0; k < kept; k++) {
    draw -= candidates[k].weight;
    if (draw < 0) return candidates[k].id;
  }
  return candidates[kept - 1].id;
}
