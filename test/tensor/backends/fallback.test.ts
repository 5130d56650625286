import { afterEach, describe, expect, it, vi } from 'vitest';
import { host, useHost } from '../../../src/platform/host.ts';
import { createWasmBackend } from '../../../src/tensor/backends/wasm.ts';

// Each test installs a host whose wasm kernels and / or gpu.js fail to load (the production
// backends know nothing of it), imports a fresh registry (and fresh backend singletons), and
// counts the warnings: exactly one, naming the reason.
const realHost = host();
function simulateLoadFailure(...backends: Array<'wasm' | 'gpu'>): void {
  const fail = (what: string) => (): never => { throw new Error(`simulated load failure (${what})`); };
  useHost({
    ...realHost,
    ...(backends.includes('wasm') ? { wasmKernels: fail('wasm kernels') } : {}),
    ...(backends.includes('gpu') ? { gpuJs: fail('gpu.js') } : {}),
  });
}

afterEach(() => {
  useHost(realHost);
  vi.restoreAllMocks();
  vi.resetModules();
});

async function freshRegistry() {
  vi.resetModules();
  return import('../../../src/tensor/backends/registry.ts');
}

describe('backend fallback', () => {
  it('a wasm module that does not compile fails loudly at creation', () => {
    const broken = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99, 99]);
    expect(() => createWasmBackend({ moduleBytes: broken, threads: 1 })).toThrow();
  });

  it('wasm failing to load falls back to js with one warning naming the reason', async () => {
    simulateLoadFailure('wasm');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { setBackend } = await freshRegistry();
    const be = setBackend('wasm');
    expect(be.name).toBe('js');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/simulated load failure.*falling back to the js backend/);
    // The engine still works on the fallback.
    const c = new Float32Array(1);
    be.matmul(new Float32Array([2]), new Float32Array([3]), c, 1, 1, 1, false, false, false);
    expect(c[0]).toBe(6);
  });

  it('gpu failing to load falls back to wasm with one warning', async () => {
    simulateLoadFailure('gpu');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { setBackend } = await freshRegistry();
    const be = setBackend('gpu');
    expect(be.name).toBe('wasm');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/backend gpu unavailable \(.*simulated load failure.*using the wasm backend/);
  });

  it('gpu and wasm both failing ends on js, still one warning', async () => {
    simulateLoadFailure('gpu', 'wasm');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { setBackend } = await freshRegistry();
    expect(setBackend('gpu').name).toBe('js');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/gpu unavailable.*wasm unavailable/);
  });
});
