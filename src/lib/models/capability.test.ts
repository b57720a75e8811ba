import { describe, expect, it } from 'vitest';
import { assessCapability, chooseDtype, wasmDtype, type GpuReport } from './capability.ts';
import { catalogEntry } from './model-catalog.ts';

const GB = 1024 ** 3;
const gpu = (over: Partial<NonNullable<GpuReport['adapter']>> = {}): GpuReport => ({
  adapter: {
    vendor: 'nvidia',
    architecture: 'ampere',
    description: 'RTX 3080',
    isFallbackAdapter: false,
    maxBufferSize: 4 * GB,
    maxStorageBufferBindingSize: 4 * GB,
    features: ['shader-f16'],
    ...over,
  },
});
/** What headless Chromium reports here. */
const swiftShader = gpu({
  vendor: 'google',
  architecture: 'swiftshader',
  description: '',
  isFallbackAdapter: true,
  features: [],
  maxBufferSize: GB,
  maxStorageBufferBindingSize: GB,
});
const rewatch = catalogEntry('rewatch-r1-7b');
const tiny = catalogEntry('qwen2.5-vl-tiny');

describe('capability', () => {
  it('picks q4f16 with shader-f16 and q4 without', () => {
    expect(chooseDtype(rewatch.dtypes, ['shader-f16'])).toBe('q4f16');
    expect(chooseDtype(rewatch.dtypes, [])).toBe('q4');
    expect(chooseDtype(['fp32', 'q4'], ['shader-f16'])).toBe('q4');
    expect(chooseDtype(['fp16', 'fp32'], [])).toBe('fp32');
    expect([wasmDtype('q4f16'), wasmDtype('fp16'), wasmDtype('q4'), wasmDtype('fp32')]).toEqual([
      'q4',
      'fp32',
      'q4',
      'fp32',
    ]);
  });

  it('says a discrete GPU may run the 7B but that its memory is unknown', () => {
    const v = assessCapability(gpu(), rewatch);
    expect(v).toMatchObject({ verdict: 'unknown-memory', device: 'webgpu', dtype: 'q4f16', blockers: [] });
    expect(v.deviceReason).toBe('WebGPU on nvidia ampere RTX 3080.');
    expect(v.warnings.join(' ')).toMatch(/does not say how much memory/);
  });

  it('warns about q4 without shader-f16', () => {
    const v = assessCapability(gpu({ features: [] }), rewatch);
    expect(v.dtype).toBe('q4');
    expect(v.warnings.join(' ')).toMatch(/No shader-f16/);
  });

  it('blocks a model whose largest tensor exceeds the buffer limits', () => {
    const v = assessCapability(gpu({ maxStorageBufferBindingSize: 128 * 1024 ** 2 }), rewatch);
    expect(v.verdict).toBe('unsupported');
    expect(v.blockers[0]).toMatch(/buffer limit of 134\.2 MB/);
  });

  it('prefers WASM to a software adapter for a model WASM holds, saying why', () => {
    const v = assessCapability(swiftShader, tiny);
    expect(v).toMatchObject({ verdict: 'slow', device: 'wasm', wasmFits: true, blockers: [] });
    expect(v.deviceReason).toMatch(/software renderer on the CPU, slower than WASM/);
    // Forced WebGPU is honoured and called slow.
    const forced = assessCapability(swiftShader, tiny, 'webgpu');
    expect(forced).toMatchObject({ verdict: 'slow', device: 'webgpu' });
    expect(forced.warnings.join(' ')).toMatch(/software renderer/);
  });

  it('keeps the 7B on a software adapter (it does not fit WASM), and its split tables fit a 1 GiB buffer', () => {
    const v = assessCapability(swiftShader, rewatch);
    expect(v).toMatchObject({ verdict: 'slow', device: 'webgpu', dtype: 'q4', wasmFits: false, blockers: [] });
    expect(v.deviceReason).toMatch(/does not fit WASM's 4 GiB/);
    expect(v.memory.largestBuffer).toBeLessThanOrEqual(GB);
  });

  it('falls back to WASM with an honest speed warning, and refuses what WASM cannot hold before trying', () => {
    const small = assessCapability({ adapter: null, unavailableReason: 'navigator.gpu is missing' }, tiny);
    expect(small).toMatchObject({ verdict: 'slow', device: 'wasm' });
    expect(small.deviceReason).toMatch(/navigator.gpu is missing/);
    expect(small.warnings[0]).toMatch(/10-100x slower/);
    for (const big of [assessCapability({ adapter: null }, rewatch), assessCapability(gpu(), rewatch, 'wasm')]) {
      expect(big).toMatchObject({ verdict: 'unsupported', device: 'wasm' });
      expect(big.blockers[0]).toMatch(/4 GiB/);
    }
  });

  it('refuses a forced WebGPU where there is none', () => {
    const v = assessCapability({ adapter: null, unavailableReason: 'navigator.gpu is missing' }, tiny, 'webgpu');
    expect(v.verdict).toBe('unsupported');
    expect(v.blockers[0]).toMatch(/WebGPU was chosen but there is no WebGPU here \(navigator.gpu is missing\)/);
  });

  it('flags reported RAM below the need', () => {
    const v = assessCapability({ ...gpu(), deviceMemoryGB: 4 }, rewatch);
    expect(v.warnings.join(' ')).toMatch(/reports 4 GB of RAM/);
  });
});
