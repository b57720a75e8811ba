/**
 * Saving and loading traces. Export: the app's JSON (everything needed to replay and judge a run, with its
 * evidence: grounded re-watches and observation scores) and WebVTT (the cited segments as cues, for any video
 * player). Import: that JSON (version 2, or version 1 from before evidence), or a plain .txt of raw ReWatch-R1
 * output (e.g. from the official Python inference). Imported files are untrusted: the JSON is validated field
 * by field, steps are always re-derived from the raw text, never taken from the file, and evidence must point
 * at steps of that text; anything wrong refuses the file with a message naming the field.
 */
import type { Verdict } from '../generation/evidence-check.ts';
import { actionStepAt } from './evidence-steps.ts';
import { formatTime } from './timestamps.ts';
import type { ObservationEvidence, RewatchEvidence } from './trace-evidence.ts';
import { parseTrace, type TraceStep } from './trace-parser.ts';
import { planPlayback } from './trace-playback.ts';

export const TRACE_FORMAT = 'rewatch-web-trace';
/** 2 added `rewatches` and `evidence`; version 1 files are still read (with none). */
export const TRACE_VERSION = 2;
const READABLE_VERSIONS: readonly unknown[] = [1, TRACE_VERSION];

/** Larger files are refused before parsing (a trace is a few KB; 2,048 tokens are ~10 KB). */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024;

export type SettingValue = string | number | boolean;

/** A run's numbers, as far as they are known (an imported .txt has none). */
export interface TraceTimings {
  frames?: number;
  visualTokens?: number;
  promptTokens?: number;
  generatedTokens?: number;
  ttftMs?: number;
  tokensPerSecond?: number;
}

/** What a trace is about and how it was made; the part of a record that is not derived. */
export interface TraceMeta {
  video: { name: string; duration: number } | null;
  question: string;
  model: { name: string; device?: string; dtype?: string } | null;
  /** Sampling and generation settings (fps, maxFrames, minPixels, maxPixels, maxNewTokens, ...). */
  settings: Record<string, SettingValue>;
  timings: TraceTimings;
}

/** A trace's evidence (trace-evidence.ts): frames are not stored, only their times. */
export interface TraceEvidence {
  rewatches: RewatchEvidence[];
  evidence: ObservationEvidence[];
}

const NO_EVIDENCE: TraceEvidence = { rewatches: [], evidence: [] };

/** The exported JSON. `steps` is there for readers of the file; import ignores it. */
export interface TraceRecord extends TraceMeta, TraceEvidence {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  createdAt: string;
  raw: string;
  steps: TraceStep[];
}

export interface ImportedTrace extends TraceMeta, TraceEvidence {
  raw: string;
  steps: TraceStep[];
}

/** A file that cannot be imported; the message says why, for a person. */
export class TraceImportError extends Error {
  override name = 'TraceImportError';
}

export function toTraceJson(
  meta: TraceMeta,
  raw: string,
  evidence: TraceEvidence = NO_EVIDENCE,
  createdAt = new Date(),
): string {
  const record: TraceRecord = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    createdAt: createdAt.toISOString(),
    ...meta,
    raw,
    steps: parseTrace(raw),
    rewatches: evidence.rewatches,
    evidence: evidence.evidence,
  };
  return JSON.stringify(record, null, 2);
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

// Cue text is markup in WebVTT: escape it, and keep it on one line (a blank line would end the cue).
const vttText = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\s+/g, ' ').trim();

/** One cue per cited segment, in citing order, labelled with its step. */
export function toWebVtt(steps: TraceStep[], duration: number): string {
  const cues = planPlayback(steps, duration).map((segment, i) => {
    const step = steps[segment.step];
    const label = `Step ${segment.step + 1} (${step.kind}, ${formatTime(segment.start)})`;
    return `${i + 1}\n${vttTime(segment.start)} --> ${vttTime(segment.end)}\n${vttText(`${label}: ${segment.caption}`)}`;
  });
  return ['WEBVTT', ...cues].join('\n\n') + '\n';
}

/** A file's name without its extension plus `suffix`, for downloads (`clip.mp4` -> `clip.trace.json`). */
export function exportFileName(videoName: string | undefined, suffix: string): string {
  const base = (videoName ?? 'rewatch').replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_') || 'rewatch';
  return `${base}${suffix}`;
}

// ---- import validation: every field is checked for type and size; nothing else from the file is kept.

type Json = unknown;

function fail(message: string): never {
  throw new TraceImportError(message);
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: Json, field: string, max: number, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') fail(`"${field}" must be text.`);
  if (v.length > max) fail(`"${field}" is too long (${v.length} characters; at most ${max}).`);
  return v;
}

function number(v: Json, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`"${field}" must be a non-negative number.`);
  return v;
}

function readVideo(v: Json): TraceMeta['video'] {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) fail('"video" must be an object with a name and a duration.');
  const duration = number(v.duration, 'video.duration');
  return { name: text(v.name, 'video.name', 500)!, duration: duration ?? 0 };
}

function readModel(v: Json): TraceMeta['model'] {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) fail('"model" must be an object.');
  const model: NonNullable<TraceMeta['model']> = { name: text(v.name, 'model.name', 500)! };
  const device = text(v.device, 'model.device', 50, true);
  const dtype = text(v.dtype, 'model.dtype', 50, true);
  if (device !== undefined) model.device = device;
  if (dtype !== undefined) model.dtype = dtype;
  return model;
}

function readSettings(v: Json): Record<string, SettingValue> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) fail('"settings" must be an object.');
  const entries = Object.entries(v);
  if (entries.length > 50) fail('"settings" has too many entries.');
  const settings: Record<string, SettingValue> = {};
  for (const [key, value] of entries) {
    if (key.length > 100) fail('A settings name is too long.');
    if (typeof value === 'string') text(value, `settings.${key}`, 500);
    else if (typeof value === 'number') number(value, `settings.${key}`);
    else if (typeof value !== 'boolean') fail(`"settings.${key}" must be text, a number or true/false.`);
    // defineProperty: a key named "__proto__" stays a plain key instead of replacing the prototype.
    Object.defineProperty(settings, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return settings;
}

const TIMING_KEYS = ['frames', 'visualTokens', 'promptTokens', 'generatedTokens', 'ttftMs', 'tokensPerSecond'] as const;

function readTimings(v: Json): TraceTimings {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) fail('"timings" must be an object.');
  const timings: TraceTimings = {};
  for (const key of TIMING_KEYS) {
    const value = number(v[key], `timings.${key}`);
    if (value !== undefined) timings[key] = value;
  }
  return timings;
}

// ---- evidence (version 2): each entry checked field by field, and tied to a step of the re-parsed raw text.

/** No video is longer than a day; a time past this is a broken file whatever the video. */
const MAX_SECONDS = 24 * 3600;
const MAX_REWATCHES = 64;
/** Frames per clip: far above what re-watch plans (rewatch-clip.ts CLIP_MAX_FRAMES) yet bounded. */
const MAX_CLIP_FRAMES = 256;
const MAX_ENTRY_TEXT = 10_000;
const VERDICTS: readonly Verdict[] = ['supported', 'unclear', 'unsupported'];

function list(v: Json, field: string, max: number): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(`"${field}" must be a list.`);
  if (v.length > max) fail(`"${field}" has too many entries (${v.length}; at most ${max}).`);
  return v;
}

function entry(v: Json, field: string): Record<string, Json> {
  if (!isObject(v)) fail(`"${field}" must be an object.`);
  return v;
}

/** A time in seconds within [0, limit]. */
function seconds(v: Json, field: string, limit: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > limit)
    fail(`"${field}" must be a time in seconds from 0 to ${Math.round(limit)}.`);
  return v;
}

/** `start` and `end` of an entry: times with start <= end. */
function span(v: Record<string, Json>, field: string, limit: number): { start: number; end: number } {
  const start = seconds(v.start, `${field}.start`, limit);
  const end = seconds(v.end, `${field}.end`, limit);
  if (end < start) fail(`"${field}.end" is before its start.`);
  return { start, end };
}

function frameTimes(v: Json, field: string, limit: number): number[] {
  const times = list(v, field, MAX_CLIP_FRAMES);
  if (!times.length) fail(`"${field}" must list at least one time.`);
  return times.map((t, i) => seconds(t, `${field}[${i}]`, limit));
}

function readRewatch(v: Json, field: string, raw: string, limit: number): RewatchEvidence {
  const r = entry(v, field);
  const cited = entry(r.cited, `${field}.cited`);
  // A citation may reach past the end of the video (then `clamped`): only the day bound applies to it.
  const citedStart = seconds(cited.start, `${field}.cited.start`, MAX_SECONDS);
  const citedEnd = cited.end === undefined ? undefined : seconds(cited.end, `${field}.cited.end`, MAX_SECONDS);
  if (typeof r.clamped !== 'boolean') fail(`"${field}.clamped" must be true or false.`);
  const sampleFps = r.sampleFps;
  if (typeof sampleFps !== 'number' || !Number.isFinite(sampleFps) || sampleFps <= 0 || sampleFps > 1000)
    fail(`"${field}.sampleFps" must be a frame rate above 0, at most 1000.`);
  const at = r.at;
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at > raw.length)
    fail(`"${field}.at" must be an offset in "raw" (0 to ${raw.length}).`);
  if (actionStepAt(raw, at) === null) fail(`"${field}.at" (${at}) is not where an <action> of the trace ends.`);
  const rewatch: RewatchEvidence = {
    action: text(r.action, `${field}.action`, MAX_ENTRY_TEXT)!,
    cited: citedEnd === undefined ? { start: citedStart } : { start: citedStart, end: citedEnd },
    ...span(r, field, limit),
    clamped: r.clamped,
    times: frameTimes(r.times, `${field}.times`, limit),
    sampleFps,
    inserted: text(r.inserted, `${field}.inserted`, MAX_ENTRY_TEXT)!,
    at,
  };
  const note = text(r.note, `${field}.note`, 1000, true);
  if (note !== undefined) rewatch.note = note;
  return rewatch;
}

function readRewatches(v: Json, raw: string, limit: number): RewatchEvidence[] {
  const rewatches = list(v, 'rewatches', MAX_REWATCHES).map((r, i) => readRewatch(r, `rewatches[${i}]`, raw, limit));
  rewatches.forEach((r, i) => {
    if (rewatches.findIndex((other) => other.at === r.at) !== i)
      fail(`"rewatches[${i}]" repeats the re-watch of the action ending at ${r.at}.`);
  });
  return rewatches;
}

function readObservationEvidence(v: Json, field: string, steps: TraceStep[], limit: number): ObservationEvidence {
  const e = entry(v, field);
  const step = e.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || steps[step]?.kind !== 'observation')
    fail(`"${field}.step" (${JSON.stringify(step)?.slice(0, 20)}) is not an observation of the trace.`);
  const score = e.score;
  if (typeof score !== 'number' || !(score >= 0 && score <= 1)) fail(`"${field}.score" must be a number from 0 to 1.`);
  if (!VERDICTS.includes(e.verdict as Verdict))
    fail(`"${field}.verdict" must be one of ${VERDICTS.map((w) => `"${w}"`).join(', ')}.`);
  return {
    step,
    observation: text(e.observation, `${field}.observation`, MAX_ENTRY_TEXT)!,
    ...span(e, field, limit),
    times: frameTimes(e.times, `${field}.times`, limit),
    question: text(e.question, `${field}.question`, MAX_ENTRY_TEXT)!,
    score,
    verdict: e.verdict as Verdict,
  };
}

function readEvidence(v: Json, steps: TraceStep[], limit: number): ObservationEvidence[] {
  const evidence = list(v, 'evidence', steps.length).map((e, i) =>
    readObservationEvidence(e, `evidence[${i}]`, steps, limit),
  );
  evidence.forEach((e, i) => {
    if (evidence.findIndex((other) => other.step === e.step) !== i)
      fail(`"evidence[${i}]" scores step ${e.step + 1} a second time.`);
  });
  return evidence.sort((a, b) => a.step - b.step);
}

function fromJson(source: string): ImportedTrace {
  let data: Json;
  try {
    data = JSON.parse(source);
  } catch (e) {
    fail(`This file is not valid JSON (${(e as Error).message}).`);
  }
  if (!isObject(data) || data.format !== TRACE_FORMAT) {
    fail(`This JSON is not a ReWatch-Web trace (expected "format": "${TRACE_FORMAT}").`);
  }
  if (!READABLE_VERSIONS.includes(data.version))
    fail(
      `Unsupported trace version ${JSON.stringify(data.version)?.slice(0, 20)} (this app reads versions 1 to ${TRACE_VERSION}).`,
    );
  const raw = text(data.raw, 'raw', MAX_IMPORT_BYTES)!;
  if (!raw.trim()) fail('The trace has no model output ("raw" is empty).');
  const steps = parseTrace(raw);
  const video = readVideo(data.video);
  // Times in the evidence lie inside the video (a second of slack for rounding) when its length is known.
  const limit = video && video.duration > 0 ? video.duration + 1 : MAX_SECONDS;
  return {
    raw,
    steps,
    question: text(data.question, 'question', 10_000, true) ?? '',
    video,
    model: readModel(data.model),
    settings: readSettings(data.settings),
    timings: readTimings(data.timings),
    rewatches: data.version === 1 ? [] : readRewatches(data.rewatches, raw, limit),
    evidence: data.version === 1 ? [] : readEvidence(data.evidence, steps, limit),
  };
}

/** Refuses a file too large to be a trace, before anyone reads it into memory. */
export function checkImportSize(bytes: number): void {
  if (bytes > MAX_IMPORT_BYTES)
    fail(`This file is too large for a trace (at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB).`);
}

/**
 * Reads an imported file: `.json` (or anything starting with `{`) as the app's JSON, anything else as raw
 * model output. Throws TraceImportError with a message for a person.
 */
/** Said when a WebVTT file (the captions export) is offered as a trace or a video. */
export const WEBVTT_IS_NOT_A_TRACE = 'WebVTT is for players: import the .json export to restore a trace.';

export function importTrace(fileName: string, source: string): ImportedTrace {
  checkImportSize(source.length);
  if (/\.vtt$/i.test(fileName) || source.startsWith('WEBVTT')) fail(WEBVTT_IS_NOT_A_TRACE);
  const isJson = /\.json$/i.test(fileName) || (!/\.txt$/i.test(fileName) && source.trimStart().startsWith('{'));
  if (isJson) return fromJson(source);
  if (!source.trim()) fail('This file is empty.');
  if (source.includes('\u0000')) fail('This file is not text.');
  return {
    raw: source,
    steps: parseTrace(source),
    question: '',
    video: null,
    model: null,
    settings: {},
    timings: {},
    ...NO_EVIDENCE,
  };
}
