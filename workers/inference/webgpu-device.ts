/**
 * The GPUDevice ONNX Runtime gets on adapters whose subgroups are narrower than 8 lanes (SwiftShader: 4).
 * ORT's WebGPU FlashAttention prefill shader (contrib_ops/webgpu/bert/flash_attention.wgsl.template, the
 * subgroupShuffle path taken when the device has 'subgroups' and the vendor is neither NVIDIA nor Apple)
 * steps through keys by min(sg_size, 16) but always scores 8 keys per step, reading lanes 4..7 that a
 * 4-lane subgroup does not have: GroupQueryAttention's prefill rows 4+ come out wrong. Without the
 * 'subgroups' feature ORT takes the same kernel's shared-memory path (use_shm_path), which is exact.
 * Adapters with 8+ lanes (every discrete and integrated GPU) keep ORT's own device.
 */

/** The slice of the WebGPU API used here (TypeScript's DOM library has no WebGPU types). */
interface Adapter {
  features: ReadonlySet<string>;
  limits: Record<string, number>;
  info?: { subgroupMinSize?: number };
  requestDevice(descriptor: { requiredFeatures: string[]; requiredLimits: Record<string, number> }): Promise<WebGpuDevice>;
}

export interface WebGpuDevice {
  lost: Promise<{ reason?: string; message?: string }>;
}

/** The fewest subgroup lanes ORT's subgroup attention shader works with. */
const MIN_SUBGROUP_LANES = 8;

let narrowSubgroupDevice: Promise<WebGpuDevice | null> | null = null;

/** Every WebGPU limit an object exposes (GPUSupportedLimits keeps them as prototype getters). */
function allLimits(limits: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in limits) if (typeof limits[key] === 'number') out[key] = limits[key];
  return out;
}

/**
 * A device without subgroup features and with the adapter's full limits (as ORT requests its own) when
 * the adapter's subgroups have fewer than 8 lanes; null when ORT's own device is right. One per worker:
 * the sessions of every load share it, as they would share ORT's.
 */
export function deviceForOrt(): Promise<WebGpuDevice | null> {
  narrowSubgroupDevice ??= (async () => {
    const gpu = (globalThis.navigator as { gpu?: { requestAdapter(o?: { powerPreference?: string }): Promise<Adapter | null> } } | undefined)?.gpu;
    const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
    const lanes = adapter?.info?.subgroupMinSize;
    if (!adapter || !adapter.features.has('subgroups') || lanes === undefined || lanes >= MIN_SUBGROUP_LANES) return null;
    const requiredFeatures = [...adapter.features].filter((f) => !f.includes('subgroup'));
    return adapter.requestDevice({ requiredFeatures, requiredLimits: allLimits(adapter.limits) });
  })();
  // A failed request is not kept: the next load asks again.
  narrowSubgroupDevice.catch(() => (narrowSubgroupDevice = null));
  return narrowSubgroupDevice;
}
