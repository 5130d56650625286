import { describe, expect, it } from 'vitest';
import { createGpuBackend, type GpuBackend } from '../../../src/tensor/backends/gpu.ts';
import { parityProperties } from './harness.ts';

// No GPU on the machines this suite runs on: gpu.js runs its webasm mode here, which is the
// same kernel source the webgpu mode compiles to WGSL. Each new shape compiles a kernel, so
// fewer runs than the wasm suite.
let gpu: GpuBackend | null = null;
let reason = '';
try {
  gpu = createGpuBackend({ mode: 'webasm' });
} catch (e) {
  reason = e instanceof Error ? e.message : String(e);
}

describe.skipIf(gpu === null)(`gpu backend (gpu.js webasm) parity with the js twin ${reason}`, () => {
  parityProperties(() => gpu!, it, 12);

  it('compiles a kernel once per shape and reuses it', () => {
    const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4);
    gpu!.matmul(a, b, c, 2, 3, 2, false, false, false);
    const n = gpu!.cachedKernels();
    gpu!.matmul(a, b, c, 2, 3, 2, false, false, false);
    expect(gpu!.cachedKernels()).toBe(n);
  });
});

describe('gpu backend without a GPU', () => {
  it('refuses webgpu with a reason instead of handing the engine Promises', () => {
    expect(() => createGpuBackend({ mode: 'webgpu' })).toThrow(/worker bridge/);
  });
});
