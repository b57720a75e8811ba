/**
 * Timestamps as ReWatch-R1 writes them: `MM:SS`, `H:MM:SS`, ranges `01:10-01:25` / `01:10 to 01:25` /
 * `[01:10, 01:25]`, and seconds `12.5s` / `12-15s`. Pure text functions; no DOM.
 */

/** One timestamp or range found in a text. */
export interface TimeRef {
  /** Seconds. */
  start: number;
  /** Seconds; absent for a single point in time. */
  end?: number;
  /** Where the match begins in the text (UTF-16 index). */
  index: number;
  /** The matched text, brackets included. */
  text: string;
}

/** A TimeRef fitted to a video: `clamped` says it pointed past the end and was pulled back. */
export interface ClampedTime {
  start: number;
  end?: number;
  clamped: boolean;
}

// `(?<![\d:.])` / `(?![\d:])` keep us from matching inside longer numbers, versions or ratios.
// A trailing `s` (`00:05.5s`) is taken as part of a clock time, as models sometimes write it.
const CLOCK = String.raw`(?<![\d:.])(?:\d{1,2}:)?\d{1,3}:\d{2}(?:\.\d+)?(?![\d:])(?:s(?![A-Za-z0-9]))?`;
const SECONDS = String.raw`(?<![\w:.])\d+(?:\.\d+)?`;
const DASH = String.raw`\s*(?:-|–|—|~|to)\s*`;
const PATTERN = new RegExp(
  [
    String.raw`[[(]\s*(${CLOCK})\s*(?:,|-|–|—|~|to)\s*(${CLOCK})\s*[\])]`,
    `(${CLOCK})${DASH}(${CLOCK})`,
    String.raw`(${SECONDS})s?${DASH}(${SECONDS})s(?![A-Za-z0-9])`,
    String.raw`(${SECONDS})s(?![A-Za-z0-9])`,
    `(${CLOCK})`,
  ].join('|'),
  'g',
);

/** Seconds of a `MM:SS` / `H:MM:SS` / `12.5s` string, or null when it is not a valid time. */
export function parseTime(text: string): number | null {
  const t = text.trim().replace(/(\d)s$/, '$1');
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t);
  const m = /^(?:(\d{1,2}):)?(\d{1,3}):(\d{2}(?:\.\d+)?)$/.exec(t);
  if (!m) return null;
  const hours = m[1] === undefined ? 0 : Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = Number(m[3]);
  if (seconds >= 60 || (m[1] !== undefined && minutes >= 60)) return null;
  return hours * 3600 + minutes * 60 + seconds;
}

/** Every timestamp and range in `text`, in order of appearance. Invalid clock values (`01:75`) are skipped. */
export function findTimes(text: string): TimeRef[] {
  const refs: TimeRef[] = [];
  for (const m of text.matchAll(PATTERN)) {
    const groups = m.slice(1).filter((g) => g !== undefined);
    const values = groups.map(parseTime);
    if (values.some((v) => v === null)) continue;
    const [a, b] = values as number[];
    const ref: TimeRef = { start: a, index: m.index, text: m[0] };
    // A reversed range (`01:25-01:10`) still means the span between the two.
    if (b !== undefined) Object.assign(ref, { start: Math.min(a, b), end: Math.max(a, b) });
    refs.push(ref);
  }
  return refs;
}

/** Fits a time to a video of `duration` seconds; an unknown duration (0, NaN) leaves it as is. */
export function clampTime(ref: Pick<TimeRef, 'start' | 'end'>, duration: number): ClampedTime {
  if (!(duration > 0)) return { start: ref.start, end: ref.end, clamped: false };
  const past = ref.start > duration || (ref.end ?? 0) > duration;
  const start = Math.min(ref.start, duration);
  const end = ref.end === undefined ? undefined : Math.min(ref.end, duration);
  return { start, end, clamped: past };
}

/** `MM:SS` (or `H:MM:SS` from an hour), with tenths when the time is not a whole second. */
export function formatTime(seconds: number): string {
  const tenths = Math.round(seconds * 10);
  const whole = Math.floor(tenths / 10);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  const frac = tenths % 10 ? `.${tenths % 10}` : '';
  return h ? `${h}:${pad(m)}:${pad(s)}${frac}` : `${pad(m)}:${pad(s)}${frac}`;
}

/** A text cut into plain runs and the TimeRefs between them (for rendering chips). */
export type TextPart = { text: string; time?: undefined } | { text: string; time: TimeRef };

export function splitByTimes(text: string, times: TimeRef[] = findTimes(text)): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const time of times) {
    if (time.index > at) parts.push({ text: text.slice(at, time.index) });
    parts.push({ text: time.text, time });
    at = time.index + time.text.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
