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

  it('the thread count changes no number: records since then match on any threads; an older record only at the two threads its split equals', () => {
    const now = { name: 'wasm', threads: 1, threadInvariant: true as const, fma: true, matmul: 'native' as const };
    expect(backendDifference({ ...now, threads: 4 }, now)).toBeNull();
    expect(parseBackendRecord(JSON.parse(JSON.stringify(now)))).toEqual(now);
    const older = parseBackendRecord({ name: 'wasm', threads: 2, fma: true, matmul: 'native' })!;
    expect(older.threadInvariant).toBeUndefined();
    expect(backendDifference(older, now)).toBeNull();
    expect(backendDifference({ ...older, threads: 1 }, { ...now, threads: 2 })).toBe('threads 1 -> 2');
    expect(backendDifference({ ...older, threads: 4 }, { ...now, threads: 2 })).toBe('threads 4 -> 2');
    expect(backendDifference({ ...older, threads: 4 }, { ...older, threads: 2 })).toBe('threads 4 -> 2');
    const before = activeBackendName();
    try {
      setBackend('wasm', { strict: true });
      expect(activeBackendRecord().threadInvariant).toBe(true);
    } finally {
      setBackend(before);
    }
  });
});
