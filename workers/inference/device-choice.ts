/**
 * The worker's side of the device rule (src/lib/models/device-policy.ts): what this context's WebGPU adapter is,
 * and which device a load runs on. A forced 'webgpu' that is not available is an error, not a silent fallback.
 */
import type { Device, DeviceChoice } from '../../src/lib/protocol/inference-protocol.ts';
import { AppError } from '../../src/lib/protocol/app-error.ts';
import { isSoftwareAdapter, pickDevice, type AdapterFacts } from '../../src/lib/models/device-policy.ts';

export interface DeviceChoiceResult {
  device: Device;
  /** Why, in words for a person. */
  reason: string;
}

/** The adapter of this context (worker or page), as the rule sees it. */
export async function adapterFacts(): Promise<AdapterFacts> {
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) return { adapter: null, unavailableReason: 'this browser exposes no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { adapter: null, unavailableReason: 'WebGPU is present but no GPU adapter is available' };
    const { info } = adapter;
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'an unnamed adapter';
    return { adapter: { software: isSoftwareAdapter(info), name } };
  } catch (error) {
    return {
      adapter: null,
      unavailableReason: `the WebGPU adapter request failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** @param wasmFits whether the model fits WASM's 4 GiB (auto keeps a software adapter for models that do not) */
export async function chooseDevice(requested: DeviceChoice, wasmFits = true): Promise<DeviceChoiceResult> {
  const pick = pickDevice(requested, await adapterFacts(), wasmFits);
  if ('error' in pick) throw new AppError('load-failed', pick.error);
  return pick;
}
