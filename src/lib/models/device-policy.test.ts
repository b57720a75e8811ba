import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter, pickDevice, type AdapterFacts } from './device-policy.ts';

const hardware: AdapterFacts = { adapter: { software: false, name: 'nvidia ampere' } };
const software: AdapterFacts = { adapter: { software: true, name: 'google swiftshader' } };
const none: AdapterFacts = { adapter: null, unavailableReason: 'navigator.gpu is missing' };

describe('device policy', () => {
  it('auto: WebGPU on hardware; WASM on a software adapter unless the model does not fit WASM; WASM without WebGPU', () => {
    expect(pickDevice('auto', hardware)).toMatchObject({ device: 'webgpu' });
    expect(pickDevice('auto', software)).toMatchObject({
      device: 'wasm',
      reason: expect.stringMatching(/google swiftshader.*software renderer/),
    });
    expect(pickDevice('auto', software, false)).toMatchObject({
      device: 'webgpu',
      reason: expect.stringMatching(/does not fit WASM/),
    });
    expect(pickDevice('auto', none)).toMatchObject({
      device: 'wasm',
      reason: expect.stringMatching(/navigator.gpu is missing/),
    });
  });

  it('honours a forced choice, and refuses WebGPU where there is none', () => {
    expect(pickDevice('webgpu', software)).toMatchObject({
      device: 'webgpu',
      reason: expect.stringMatching(/as chosen.*software renderer/),
    });
    expect(pickDevice('wasm', hardware)).toMatchObject({ device: 'wasm' });
    expect(pickDevice('webgpu', none)).toEqual({
      error: 'WebGPU was chosen but there is no WebGPU here (navigator.gpu is missing)',
    });
  });

  it('recognises software adapters by flag or name', () => {
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'RTX 3080' })).toBe(false);
  });
});
