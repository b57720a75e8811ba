/**
 * The GPUDevice the worker creates and hands to ONNX Runtime, so the KV cache can live in buffers of the very
 * device ORT computes on (kv-cache.ts). It asks for what ORT would: every feature and the adapter's full limits,
 * except on adapters whose subgroups are narrower than 8 lanes (SwiftShader: 4). ORT's WebGPU FlashAttention
 * prefill shader (contrib_ops/webgpu/bert/flash_attention.wgsl.template, the subgroupShuffle path taken when
 * the device has 'subgroups' and the vendor is neither NVIDIA nor Apple) steps through keys by min(sg_size, 16)
 * but always scores 8 keys per step, reading lanes 4..7 that a 4-lane subgroup does not have:
 * GroupQueryAttention's prefill rows 4+ come out wrong. Without the 'subgroups' feature ORT takes the same
 * kernel's shared-memory path (use_shm_path), which is exact.
 */

/** The fewest subgroup lanes ORT's subgroup attention shader works with. */
const MIN_SUBGROUP_LANES = 8;

let shared: Promise<GPUDevice> | null = null;

/** Every WebGPU limit an object exposes (GPUSupportedLimits keeps them as prototype getters). */
function allLimits(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in limits) {
    const value = (limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

/** Whether the adapter's subgroups are too narrow for ORT's subgroup attention shader. */
export function narrowSubgroups(adapter: GPUAdapter): boolean {
  const lanes = (adapter.info as GPUAdapterInfo & { subgroupMinSize?: number }).subgroupMinSize;
  return adapter.features.has('subgroups') && lanes !== undefined && lanes < MIN_SUBGROUP_LANES;
}

/**
 * The worker's device for ORT (one per worker: the sessions of every load share it, as they would share
 * ORT's own). A lost device is replaced on the next call; a failed request is not kept.
 */
export function deviceForOrt(): Promise<GPUDevice> {
  shared ??= (async () => {
    const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('no WebGPU adapter');
    const drop = narrowSubgroups(adapter);
    const requiredFeatures = [...adapter.features].filter((f) => !(drop && f.includes('subgroup'))) as GPUFeatureName[];
    const device = await adapter.requestDevice({ requiredFeatures, requiredLimits: allLimits(adapter.limits) });
    void device.lost.then(() => {
      shared = null;
    });
    return device;
  })();
  shared.catch(() => (shared = null));
  return shared;
}
