/**
 * The in-page conversion's progress line: tensor i of n, checkpoint bytes read, read rate and time left
 * (from the bytes read so far: reading and quantizing dominate, at a steady rate).
 */
import { formatBytes } from './model-catalog.ts';

export interface ConvertFigures {
  weight: number;
  weights: number;
  bytesRead: number;
  readBytes: number;
  elapsedMs: number;
}

/** Bytes per second read so far, or null before anything was read. */
export function readRate(p: ConvertFigures): number | null {
  return p.bytesRead > 0 && p.elapsedMs > 0 ? p.bytesRead / (p.elapsedMs / 1000) : null;
}

/** Seconds left at the rate so far, or null while there is no rate. */
export function secondsLeft(p: ConvertFigures): number | null {
  const rate = readRate(p);
  return rate === null ? null : Math.max(0, (p.readBytes - p.bytesRead) / rate);
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function progressLine(p: ConvertFigures): string {
  const parts = [
    `tensor ${p.weight} of ${p.weights}`,
    `${formatBytes(p.bytesRead)} of ${formatBytes(p.readBytes)} read`,
  ];
  const rate = readRate(p);
  const left = secondsLeft(p);
  if (rate !== null) parts.push(`${(rate / 1e6).toFixed(1)} MB/s`);
  if (left !== null && p.weight < p.weights) parts.push(`about ${duration(left)} left`);
  return parts.join(' · ');
}
