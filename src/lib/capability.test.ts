import { describe, expect, it } from 'vitest';
import { assessCapability, chooseDtype, wasmDtype, type GpuReport } from './capability.ts';
import { catalogEntry } from './model-catalog.ts';

const GB = 1024 ** 3;
const gpu = (over: Partial<NonNullable<GpuReport['adapter']>> = {}): GpuReport => ({
  adapter: {
    vendor: 'nvidia', architecture: 'ampere', description: 'RTX 3080', isFallbackAdapter: false,
    maxBufferSize: 4 * GB, maxStorageBufferBindingSize: 4 * GB, features: ['shader-f16'], ...over,
  },
});
const rewatch = catalogEntry('rewatch-r1-7b');
const tiny = catalogEntry('qwen2.5-vl-tiny');

describe('capability', () => {
  it('picks q4f16 with shader-f16 and q4 without', () => {
    expect(chooseDtype(rewatch.dtypes, ['shader-f16'])).toBe('q4f16');
    expect(chooseDtype(rewatch.dtypes, [])).toBe('q4');
    expect(chooseDtype(['fp32', 'q4'], ['shader-f16'])).toBe('q4');
    expect(chooseDtype(['fp16', 'fp32'], [])).toBe('fp32');
    expect([wasmDtype('q4f16'), wasmDtype('fp16'), wasmDtype('q4'), wasmDtype('fp32')]).toEqual(['q4', 'fp32', 'q4', 'fp32']);
  });

  it('says a discrete GPU may run the 7B but that its memory is unknown', () => {
    const v = assessCapability(gpu(), rewatch);
    expect(v).toMatchObject({ verdict: 'unknown-memory', device: 'webgpu', dtype: 'q4f16', blockers: [] });
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

  it('calls SwiftShader slow', () => {
    const v = assessCapability(gpu({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true, features: [] }), tiny);
    expect(v.verdict).toBe('slow');
    expect(v.warnings.join(' ')).toMatch(/SwiftShader/);
  });

  it('falls back to WASM with an honest speed warning, and refuses what WASM cannot hold', () => {
    const small = assessCapability({ adapter: null, unavailableReason: 'navigator.gpu is missing' }, tiny);
    expect(small).toMatchObject({ verdict: 'slow', device: 'wasm' });
    expect(small.warnings[0]).toMatch(/navigator.gpu is missing.*10-100x slower/);
    const big = assessCapability({ adapter: null }, rewatch);
    expect(big.verdict).toBe('unsupported');
    expect(big.blockers[0]).toMatch(/4 GiB/);
  });

  it('flags reported RAM below the need', () => {
    const v = assessCapability({ ...gpu(), deviceMemoryGB: 4 }, rewatch);
    expect(v.warnings.join(' ')).toMatch(/reports 4 GB of RAM/);
  });
});
