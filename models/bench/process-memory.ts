/**
 * Memory of running processes, from /proc (Linux): a process's RSS, and the PSS (proportional set size: shared
 * pages split between their users, so a sum over processes counts each page once) of Chromium's processes by
 * kind. bench:infer samples these while a model loads and runs.
 */
import { readdirSync, readFileSync } from 'node:fs';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** kB field of /proc/<pid>/status or smaps_rollup, in MB; 0 when the process is gone. */
function field(text: string | null, name: string): number {
  const m = text ? new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text) : null;
  return m ? Number(m[1]) / 1024 : 0;
}

export function rssMb(pid: number): number {
  return field(read(`/proc/${pid}/status`), 'VmRSS');
}

export interface ChromiumMemory {
  rendererMb: number;
  gpuMb: number;
  /** Every process of the browser (browser, renderers, GPU, utilities). */
  totalMb: number;
}

/** PSS of the Chromium processes whose command line names `profileDir` (a fresh --user-data-dir per run). */
export function chromiumPss(profileDir: string): ChromiumMemory {
  const out: ChromiumMemory = { rendererMb: 0, gpuMb: 0, totalMb: 0 };
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const cmdline = read(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ') ?? '';
    if (!cmdline.includes(profileDir)) continue;
    const pss = field(read(`/proc/${pid}/smaps_rollup`), 'Pss');
    out.totalMb += pss;
    if (cmdline.includes('--type=renderer')) out.rendererMb += pss;
    else if (cmdline.includes('--type=gpu-process')) out.gpuMb += pss;
  }
  return out;
}

/** Samples `measure` every `ms` until stopped; keeps the maximum of each field (and passes every sample to `onSample`). */
export function samplePeak<T extends Record<string, number>>(
  measure: () => T,
  ms = 250,
  onSample?: (sample: T) => void,
): { stop(): T } {
  let peak = measure();
  const timer = setInterval(() => {
    const now = measure();
    onSample?.(now);
    peak = Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.max(v, peak[k] ?? 0)])) as T;
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
