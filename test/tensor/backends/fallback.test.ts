import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWasmBackend } from '../../../src/tensor/backends/wasm.ts';

// Each test imports a fresh registry (and fresh backend singletons) after setting the
// simulated failure, and counts the warnings: exactly one, naming the reason.
afterEach(() => {
  delete process.env.MTLKIT_SIMULATE_LOAD_FAILURE;
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
    process.env.MTLKIT_SIMULATE_LOAD_FAILURE = 'wasm';
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
    process.env.MTLKIT_SIMULATE_LOAD_FAILURE = 'gpu';
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { setBackend } = await freshRegistry();
    const be = setBackend('gpu');
    expect(be.name).toBe('wasm');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/backend gpu unavailable \(simulated.*using the wasm backend/);
  });

  it('gpu and wasm both failing ends on js, still one warning', async () => {
    process.env.MTLKIT_SIMULATE_LOAD_FAILURE = 'gpu,wasm';
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { setBackend } = await freshRegistry();
    expect(setBackend('gpu').name).toBe('js');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/gpu unavailable.*wasm unavailable/);
  });
});
