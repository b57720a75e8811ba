/**
 * Can this machine run a catalog entry, and how? Pure: it takes what the browser reported (WebGPU adapter
 * info, limits, features; RAM) and a catalog entry, and returns a verdict, the device and dtype to use, and
 * every reason in words. WebGPU never reports how much memory the GPU has, so the memory need is compared
 * with what is known (per-buffer limits, system RAM) and the verdict says when it cannot be known.
 */
import { isSoftwareAdapter, pickDevice, WASM_MEMORY_LIMIT, type AdapterFacts } from './device-policy.ts';
import type { Device, DeviceChoice, ModelDtype } from '../protocol/inference-protocol.ts';
import {
  DTYPE_FEATURES,
  memoryEstimate,
  formatBytes,
  type CatalogEntry,
  type MemoryEstimate,
} from './model-catalog.ts';

/** What the browser told us; plain data so it can be probed anywhere and tested without a GPU. */
export interface GpuReport {
  /** Null when navigator.gpu is missing or requestAdapter() returned null. */
  adapter: {
    vendor: string;
    architecture: string;
    description: string;
    /** A software adapter (SwiftShader): WebGPU on the CPU. */
    isFallbackAdapter: boolean;
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    features: string[];
  } | null;
  /** Why there is no adapter, in the browser's words, when there is none. */
  unavailableReason?: string;
  /** navigator.deviceMemory in GB (Chrome caps it at 8 and rounds down), when exposed. */
  deviceMemoryGB?: number;
}

/**
 * - `ready`: nothing known stands in the way.
 * - `slow`: it will run, slowly (software GPU or WASM on the CPU).
 * - `unknown-memory`: runs if the GPU has the memory, which the browser cannot tell us.
 * - `unsupported`: a known limit rules it out.
 */
export type Verdict = 'ready' | 'slow' | 'unknown-memory' | 'unsupported';

export interface CapabilityVerdict {
  verdict: Verdict;
  device: Device;
  /** Why this device (device-policy.ts), in words for a person. */
  deviceReason: string;
  /** Whether the model fits WASM's 4 GiB (what 'auto' weighs against a software adapter). */
  wasmFits: boolean;
  dtype: ModelDtype;
  memory: MemoryEstimate;
  /** Things the user should know that do not stop the run. */
  warnings: string[];
  /** Things that stop it (empty unless `unsupported`). */
  blockers: string[];
}

/** Of the available dtypes: q4f16 when the GPU has shader-f16, else q4; else the first the GPU can run. */
export function chooseDtype(available: readonly ModelDtype[], features: readonly string[]): ModelDtype {
  const usable = available.filter((d) => DTYPE_FEATURES[d].every((f) => features.includes(f)));
  for (const preferred of ['q4f16', 'q4'] as const) if (usable.includes(preferred)) return preferred;
  return usable[0] ?? available[available.length - 1];
}

/** The dtype to run on WASM instead: WASM computes in float32, so an fp16 variant becomes its float32 twin. */
export function wasmDtype(dtype: ModelDtype): ModelDtype {
  return dtype === 'q4f16' ? 'q4' : dtype === 'fp16' ? 'fp32' : dtype;
}

/** The report as the device rule sees it. */
export function adapterFactsOf(report: GpuReport): AdapterFacts {
  const { adapter } = report;
  if (!adapter) return { adapter: null, unavailableReason: report.unavailableReason };
  const name =
    [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ') || 'an unnamed adapter';
  return { adapter: { software: isSoftwareAdapter(adapter), name } };
}

/** `choice`: the device the person asked for in the model panel ('auto' by default). */
export function assessCapability(
  report: GpuReport,
  entry: CatalogEntry,
  choice: DeviceChoice = 'auto',
): CapabilityVerdict {
  const warnings: string[] = [];
  const blockers: string[] = [];
  const adapter = report.adapter;
  // WASM computes in float32: the fp16 dtypes would only be converted back on the CPU.
  const wasmType = wasmDtype(chooseDtype(entry.dtypes, []));
  const wasmMemory = memoryEstimate(entry, wasmType);
  const wasmFits = wasmMemory.total <= WASM_MEMORY_LIMIT;
  const pick = pickDevice(choice, adapterFactsOf(report), wasmFits);
  if ('error' in pick) {
    return {
      verdict: 'unsupported',
      device: 'webgpu',
      deviceReason: pick.error,
      wasmFits,
      dtype: wasmType,
      memory: wasmMemory,
      warnings,
      blockers: [`${pick.error}.`],
    };
  }

  if (pick.device === 'wasm') {
    warnings.push(
      'On the CPU through WASM: typically 10-100x slower than a GPU, minutes per answer even for small models.',
    );
    if (!wasmFits) {
      blockers.push(
        `It needs about ${formatBytes(wasmMemory.total)}, more than the 4 GiB one WASM instance can address: choose WebGPU.`,
      );
    }
    return {
      verdict: blockers.length ? 'unsupported' : 'slow',
      device: 'wasm',
      deviceReason: pick.reason,
      wasmFits,
      dtype: wasmType,
      memory: wasmMemory,
      warnings,
      blockers,
    };
  }

  const gpu = adapter!;
  const dtype = chooseDtype(entry.dtypes, gpu.features);
  const memory = memoryEstimate(entry, dtype);
  if (!gpu.features.includes('shader-f16') && entry.dtypes.includes('q4f16')) {
    warnings.push(
      'No shader-f16 on this GPU: using q4 (float32 activations), which needs more memory and runs slower than q4f16.',
    );
  }
  const bufferLimit = Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize);
  if (memory.largestBuffer > bufferLimit) {
    blockers.push(
      `Its largest tensor is ${formatBytes(memory.largestBuffer)}, over this GPU's buffer limit of ${formatBytes(bufferLimit)} ` +
        '(maxBufferSize / maxStorageBufferBindingSize).',
    );
  }
  const software = isSoftwareAdapter(gpu);
  if (software) warnings.push('This WebGPU adapter is a software renderer: it runs on the CPU and is very slow.');
  const ramBytes = report.deviceMemoryGB === undefined ? undefined : report.deviceMemoryGB * 1e9;
  // Chrome caps deviceMemory at 8, so only a report below the need proves too little RAM.
  if (ramBytes !== undefined && ramBytes < 8e9 && ramBytes < memory.total) {
    warnings.push(
      `The browser reports ${report.deviceMemoryGB} GB of RAM, less than the ~${formatBytes(memory.total)} this model needs.`,
    );
  }
  if (!software) {
    warnings.push(
      `WebGPU does not say how much memory the GPU has: this model needs about ${formatBytes(memory.total)} ` +
        `(${formatBytes(memory.weights)} weights, ${formatBytes(memory.kvCache)} KV cache for ${memory.contextTokens} tokens).`,
    );
  }
  const verdict: Verdict = blockers.length
    ? 'unsupported'
    : software
      ? 'slow'
      : memory.total > 2e9
        ? 'unknown-memory'
        : 'ready';
  return { verdict, device: 'webgpu', deviceReason: pick.reason, wasmFits, dtype, memory, warnings, blockers };
}
