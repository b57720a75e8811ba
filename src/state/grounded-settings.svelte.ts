/**
 * The grounded re-watch settings (issue 10; experimental), which the settings UI renders: whether an answer
 * really re-watches each range it cites, at most how many re-watches per answer, and whether each
 * observation is checked against its frames after the answer. Kept in localStorage. Grounded re-watch
 * follows the loaded model's default (src/lib/generation/grounded-default.ts: on for ReWatch-R1) until a
 * person switches it; that choice then holds for every model.
 */
import { groundedByDefault } from '../lib/generation/grounded-default.ts';
import { DEFAULT_MAX_REWATCHES } from '../lib/generation/grounded-rewatch.ts';
import type { ModelSource } from '../lib/protocol/inference-protocol.ts';

/** The most re-watches per answer the setting accepts (each costs a clip's vision encoding and prefill). */
export const MAX_REWATCHES_LIMIT = 8;

const STORAGE_KEY = 'rewatch-web.grounded';

interface Stored {
  /** A person's choice; absent: the loaded model's default. */
  grounded?: boolean;
  maxRewatches: number;
  checkAfterAnswer: boolean;
}

const DEFAULTS: Stored = { maxRewatches: DEFAULT_MAX_REWATCHES, checkAfterAnswer: true };

/** What was stored, field by field; anything unreadable falls back to its default. */
function read(storage: Storage | null): Stored {
  let raw: unknown;
  try {
    raw = JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null');
  } catch {
    raw = null;
  }
  const value = (raw ?? {}) as Partial<Record<keyof Stored, unknown>>;
  const stored: Stored = { ...DEFAULTS };
  if (typeof value.grounded === 'boolean') stored.grounded = value.grounded;
  if (typeof value.maxRewatches === 'number')
    stored.maxRewatches = clampRewatches(value.maxRewatches, stored.maxRewatches);
  if (typeof value.checkAfterAnswer === 'boolean') stored.checkAfterAnswer = value.checkAfterAnswer;
  return stored;
}

/** A whole number in [0, MAX_REWATCHES_LIMIT]; `fallback` for anything not a number (an emptied input). */
function clampRewatches(n: number, fallback: number): number {
  return Number.isFinite(n) ? Math.min(MAX_REWATCHES_LIMIT, Math.max(0, Math.round(n))) : fallback;
}

export class GroundedSettings {
  #stored = $state.raw<Stored>(DEFAULTS);
  readonly #storage: Storage | null;
  readonly #model: () => ModelSource | null;

  /** `model`: the loaded model's source (its default applies until a person chooses), null when none. */
  constructor(model: () => ModelSource | null, storage: Storage | null = globalThis.localStorage ?? null) {
    this.#model = model;
    this.#storage = storage;
    this.#stored = read(storage);
  }

  /** Whether a question's answer re-watches what it cites (for the loaded model). */
  get enabled(): boolean {
    const source = this.#model();
    return this.#stored.grounded ?? (source ? groundedByDefault(source, location.href) : true);
  }
  set enabled(on: boolean) {
    this.#save({ ...this.#stored, grounded: on });
  }

  /** True while `enabled` is the loaded model's default (no choice made). */
  get isDefault(): boolean {
    return this.#stored.grounded === undefined;
  }

  /** At most this many re-watches per answer (0..MAX_REWATCHES_LIMIT). */
  get maxRewatches(): number {
    return this.#stored.maxRewatches;
  }
  set maxRewatches(n: number) {
    this.#save({ ...this.#stored, maxRewatches: clampRewatches(n, this.#stored.maxRewatches) });
  }

  /** Whether each observation's evidence is checked once a grounded answer ends. */
  get checkAfterAnswer(): boolean {
    return this.#stored.checkAfterAnswer;
  }
  set checkAfterAnswer(on: boolean) {
    this.#save({ ...this.#stored, checkAfterAnswer: on });
  }

  /** Back to the defaults (grounded re-watch follows the model again). */
  reset(): void {
    this.#save({ ...DEFAULTS });
  }

  #save(stored: Stored): void {
    this.#stored = stored;
    try {
      this.#storage?.setItem(STORAGE_KEY, JSON.stringify(stored));
    } catch {
      // Storage full or blocked (private mode): the setting still holds for this page.
    }
  }
}
