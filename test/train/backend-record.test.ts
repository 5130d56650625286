import { describe, expect, it } from 'vitest';
import { getBackend, setBackend } from '../../src/tensor/index.ts';
import { activeBackendName } from '../../src/tensor/backends/registry.ts';
import {
  activeBackendRecord, backendDifference, backendSettings, describeBackend, parseBackendRecord,
} from '../../src/train/backend-record.ts';

describe('the backend record names the matmul kernel', () => {
  it('records which float32 matmul the wasm backend runs, and it round-trips', () => {
    const before = activeBackendName();
    try {
      setBackend('wasm', { strict: true });
      const rec = activeBackendRecord();
      const kernel = (getBackend() as unknown as { matmulKernel: string }).matmulKernel;
      expect(rec.matmul).toBe(kernel);
      expect(parseBackendRecord(JSON.parse(JSON.stringify(rec)))).toEqual(rec);
      expect(describeBackend(rec)).toContain(`${kernel} matmul`);
    } finally {
      setBackend(before);
    }
  });

  it('a resume on the other kernel differs, and the fix names MTLKIT_NATIVE', () => {
    const native = { name: 'wasm', threads: 2, fma: true, matmul: 'native' as const };
    const wasm = { ...native, matmul: 'wasm' as const };
    expect(backendDifference(native, wasm)).toBe('matmul native -> wasm');
    expect(backendSettings(native).env).toContain('MTLKIT_NATIVE=1');
    expect(backendSettings(wasm).env).toContain('MTLKIT_NATIVE=0');
  });

  it('folders written before the kernel was recorded still resume on either kernel', () => {
    const old = parseBackendRecord({ name: 'wasm', threads: 2, fma: true });
    expect(old).not.toBeNull();
    expect(old!.matmul).toBeUndefined();
    expect(backendDifference(old!, { ...old!, matmul: 'native' })).toBeNull();
    expect(backendSettings(old!).env.some((e) => e.startsWith('MTLKIT_NATIVE'))).toBe(false);
  });
});
