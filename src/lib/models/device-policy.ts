/**
 * Which execution provider runs the model, and why, in one rule shared by the capability panel and the
 * inference worker. 'auto' prefers WebGPU on a hardware adapter; a software adapter (SwiftShader and the like:
 * WebGPU emulated on the CPU) is not preferred over WASM, which answered 20x sooner on the same machine,
 * unless the model does not fit WASM's 4 GiB memory. A forced choice is honoured and explained.
 */
import type { Device, DeviceChoice } from '../protocol/inference-protocol.ts';

/** What the browser's WebGPU adapter is, as far as the choice is concerned. */
export interface AdapterFacts {
  /** Null when there is no WebGPU or no adapter. */
  adapter: { software: boolean; name: string } | null;
  /** Why there is no adapter, in the browser's words. */
  unavailableReason?: string;
}

export type DevicePick = { device: Device; reason: string } | { error: string };

/** ORT's WASM build is 32-bit: one wasm memory holds at most 4 GiB, weights and activations together. */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;

/** A software adapter is flagged as a fallback adapter, or named SwiftShader / llvmpipe / WARP. */
export function isSoftwareAdapter(info: {
  isFallbackAdapter?: boolean;
  vendor?: string;
  architecture?: string;
  description?: string;
}): boolean {
  return (
    Boolean(info.isFallbackAdapter) ||
    /swiftshader|llvmpipe|lavapipe|microsoft basic render|\bwarp\b/i.test(
      `${info.vendor} ${info.architecture} ${info.description}`,
    )
  );
}

/** `wasmFits`: whether the model fits WASM's memory (true when unknown). */
export function pickDevice(requested: DeviceChoice, facts: AdapterFacts, wasmFits = true): DevicePick {
  const { adapter } = facts;
  const missing = `no WebGPU here (${facts.unavailableReason ?? 'no adapter'})`;
  if (requested === 'wasm') return { device: 'wasm', reason: 'WASM (CPU), as chosen.' };
  if (requested === 'webgpu') {
    if (!adapter) return { error: `WebGPU was chosen but there is ${missing}` };
    return {
      device: 'webgpu',
      reason: adapter.software
        ? `WebGPU, as chosen, on ${adapter.name}: a software renderer on the CPU, usually slower than WASM.`
        : `WebGPU on ${adapter.name}, as chosen.`,
    };
  }
  if (!adapter) return { device: 'wasm', reason: `WASM (CPU): ${missing}.` };
  if (!adapter.software) return { device: 'webgpu', reason: `WebGPU on ${adapter.name}.` };
  if (wasmFits)
    return {
      device: 'wasm',
      reason: `WASM (CPU): the only WebGPU adapter, ${adapter.name}, is a software renderer on the CPU, slower than WASM.`,
    };
  return {
    device: 'webgpu',
    reason: `WebGPU on ${adapter.name}, a software renderer on the CPU (very slow): the model does not fit WASM's 4 GiB memory.`,
  };
}
