/**
 * Probes this browser's WebGPU adapter once (on the page, before any model is loaded) and keeps the
 * report the capability panel renders and src/lib/models/capability.ts judges.
 */
import type { GpuReport } from '../lib/models/capability.ts';

/** The slice of WebGPU read here (TypeScript's DOM library has no WebGPU types). */
interface ProbedAdapter {
  info?: { vendor: string; architecture: string; description: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  features: ReadonlySet<string>;
}
interface GpuEntryPoint {
  requestAdapter(options?: { powerPreference?: 'high-performance' }): Promise<ProbedAdapter | null>;
}

async function probeGpu(): Promise<GpuReport> {
  const nav = navigator as Navigator & { gpu?: GpuEntryPoint; deviceMemory?: number };
  const deviceMemoryGB = nav.deviceMemory;
  if (!nav.gpu)
    return {
      adapter: null,
      unavailableReason: 'this browser has no WebGPU (navigator.gpu is missing)',
      deviceMemoryGB,
    };
  let adapter: ProbedAdapter | null;
  try {
    adapter = await nav.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { adapter: null, unavailableReason: `the WebGPU adapter request failed: ${String(error)}`, deviceMemoryGB };
  }
  if (!adapter) return { adapter: null, unavailableReason: 'WebGPU is present but offers no adapter', deviceMemoryGB };
  const info = adapter.info ?? { vendor: '', architecture: '', description: '' };
  return {
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      description: info.description,
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      features: [...adapter.features].sort(),
    },
    deviceMemoryGB,
  };
}

export class CapabilityState {
  #report = $state.raw<GpuReport | null>(null);

  /** Null until the probe has answered. */
  get report(): GpuReport | null {
    return this.#report;
  }

  async probe(): Promise<GpuReport> {
    this.#report ??= await probeGpu();
    return this.#report;
  }
}
