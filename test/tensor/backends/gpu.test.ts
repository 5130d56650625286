import { afterAll, describe, expect, it } from 'vitest';
import { createGpuBackend, GRAM_BUCKET, type GpuBackend } from '../../../src/tensor/backends/gpu.ts';
import { js, parityProperties } from './harness.ts';

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

  it('gram pads a width that changes every step (param mode) into buckets: one kernel, exact result', () => {
    const T = 2, widths = [GRAM_BUCKET + 5, GRAM_BUCKET + 1234, 2 * GRAM_BUCKET - 1];
    let kernels = -1;
    for (const d of widths) {
      const g = new Float32Array(T * d);
      for (let i = 0; i < g.length; i++) g[i] = ((i * 7919) % 13) - 6;
      const out = new Float64Array(T * T), ref = new Float64Array(T * T);
      gpu!.gram(g, out, T, d);
      js.gram(g, ref, T, d);
      for (let i = 0; i < T * T; i++) expect(Math.abs(out[i]! - ref[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(ref[i]!) + 1e-3);
      if (kernels < 0) kernels = gpu!.cachedKernels();
      else expect(gpu!.cachedKernels()).toBe(kernels);
    }
  }, 60_000);
});

describe('gpu backend through the synchronous bridge (gpu.js async mode in a worker)', () => {
  // The path webgpu takes: kernels return Promises in a worker, the caller blocks on Atomics.
  const bridged = createGpuBackend({ mode: 'async' });
  afterAll(() => bridged.close());
  parityProperties(() => bridged, it, 4);

  it('keeps the engine synchronous: results are there when the call returns', () => {
    const c = new Float32Array(4);
    bridged.matmul(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2, false, false, false);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });
});

describe('gpu backend without a GPU', () => {
  it('webgpu without an adapter fails at creation with the reason, so the fallback can move on', () => {
    expect(() => createGpuBackend({ mode: 'webgpu' })).toThrow(/gpu\.js webgpu unavailable: .+/);
  });
});
