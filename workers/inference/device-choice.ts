/**
 * Which ONNX Runtime execution provider a load uses. 'auto' prefers WebGPU and falls back to WASM, saying
 * why, so the UI can tell a person their answers will be slow and what to change.
 */
import type { Device } from '../../src/lib/inference-protocol.ts';
import { InferenceError } from '../../src/lib/inference-error.ts';

export interface DeviceChoice {
  device: Device;
  /** Why WebGPU was not used; set only when 'auto' ended on WASM. */
  fallbackReason?: string;
}

/** The slice of the WebGPU API used here (TypeScript's DOM library has no WebGPU types). */
interface GpuEntryPoint {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<object | null>;
}

/** Why WebGPU cannot be used in this context, or null when an adapter is available. */
export async function webGpuUnavailableReason(): Promise<string | null> {
  const gpu = (globalThis.navigator as { gpu?: GpuEntryPoint } | undefined)?.gpu;
  if (!gpu) return 'this browser exposes no WebGPU (navigator.gpu is missing)';
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? null : 'WebGPU is present but no GPU adapter is available';
  } catch (error) {
    return `WebGPU adapter request failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Resolves the requested device. A forced 'webgpu' that is not available is an error (not a silent
 * fallback): the caller asked for it explicitly.
 */
export async function chooseDevice(requested: Device | 'auto'): Promise<DeviceChoice> {
  if (requested === 'wasm') return { device: 'wasm' };
  const reason = await webGpuUnavailableReason();
  if (reason === null) return { device: 'webgpu' };
  if (requested === 'webgpu') throw new InferenceError('load-failed', `WebGPU was requested but ${reason}`);
  return { device: 'wasm', fallbackReason: reason };
}
