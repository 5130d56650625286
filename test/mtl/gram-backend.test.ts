import { afterAll, describe, expect, it } from 'vitest';
import { gram, gramJs, useGramKernel, weightedRowSum } from '../../src/mtl/linalg.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';

const before = getBackend().name;
afterAll(() => {
  useGramKernel('backend');
  setBackend(before);
});

/** Counts calls of be[key] until the returned restore() puts the original back. */
function spy(be: Backend, key: 'gram' | 'matmul'): { calls: () => number; restore: () => void } {
  let n = 0;
  const orig = be[key] as (...a: unknown[]) => unknown;
  (be as unknown as Record<string, unknown>)[key] = (...a: unknown[]) => { n++; return orig.apply(be, a); };
  return { calls: () => n, restore: () => { (be as unknown as Record<string, unknown>)[key] = orig; } };
}

function rows(T: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const g = getBackend().alloc('float32', T * d) as Float32Array;
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  return g;
}

describe('the balancers\' Gram matrix uses the active backend by default', () => {
  it('wasm: calls the backend kernel and agrees with the TS loop to 1e-6', () => {
    const be = setBackend('wasm');
    expect(be.name).toBe('wasm');
    useGramKernel('backend');
    const T = 6, d = 70_001, g = rows(T, d, 1);
    const sp = spy(be, 'gram');
    try {
      const out = new Float64Array(T * T), ref = new Float64Array(T * T);
      gram(g, out, T, d);
      gramJs(g, ref, T, d);
      expect(sp.calls()).toBe(1);
      for (let i = 0; i < T * T; i++) expect(Math.abs(out[i]! - ref[i]!)).toBeLessThanOrEqual(1e-6 * Math.sqrt(ref[(i % T) * (T + 1)]! * ref[Math.floor(i / T) * (T + 1)]!));
      useGramKernel(null); // the TS loop
      gram(g, out, T, d);
      expect(sp.calls()).toBe(1);
      expect(out).toEqual(ref);
      useGramKernel('backend'); // small G: the TS loop (exact float64 products) even on wasm
      const small = rows(T, 4099, 3), o2 = new Float64Array(T * T), r2 = new Float64Array(T * T);
      gram(small, o2, T, 4099);
      gramJs(small, r2, T, 4099);
      expect(sp.calls()).toBe(1);
      expect(o2).toEqual(r2);
    } finally {
      sp.restore();
      useGramKernel('backend');
    }
  });

  it('js: the TS loop (the js twin is not called)', () => {
    const be = setBackend('js');
    const T = 3, d = 5000, g = rows(T, d, 2);
    const sp = spy(be, 'gram');
    try {
      const out = new Float64Array(T * T), ref = new Float64Array(T * T);
      gram(g, out, T, d);
      gramJs(g, ref, T, d);
      expect(sp.calls()).toBe(0);
      expect(out).toEqual(ref);
    } finally {
      sp.restore();
    }
  });
});

describe('weightedRowSum on a large float32 G', () => {
  it('wasm: one narrow matmul, within float32 summation error of the float64 loop; a zero weight still hides a NaN row', () => {
    const be = setBackend('wasm');
    const T = 5, d = 60_001, g = rows(T, d, 7), w = [0.5, -1.25, 2, 0.125, 1];
    const sp = spy(be, 'matmul');
    try {
      const out = be.alloc('float32', d) as Float32Array;
      weightedRowSum(g, T, d, w, out);
      expect(sp.calls()).toBe(1);
      for (let k = 0; k < d; k++) {
        let ref = 0, mag = 0;
        for (let t = 0; t < T; t++) { ref += w[t]! * g[t * d + k]!; mag += Math.abs(w[t]! * g[t * d + k]!); }
        expect(Math.abs(out[k]! - ref)).toBeLessThanOrEqual(2 * (T + 2) * 2 ** -24 * mag + 1e-30);
      }
      g[2 * d + 5] = NaN;
      weightedRowSum(g, T, d, [0.5, -1.25, 0, 0.125, 1], out); // the loop: row 2 skipped
      expect(sp.calls()).toBe(1);
      expect(out.every((v) => Number.isFinite(v))).toBe(true);
    } finally {
      sp.restore();
    }
  });
});

