import { afterAll, describe, expect, it } from 'vitest';
import { gram, gramTs, useGramKernel } from '../../src/mtl/linalg.ts';
import { getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';

const before = getBackend().name;
afterAll(() => {
  useGramKernel('backend');
  setBackend(before);
});

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
    let calls = 0;
    const orig = be.gram;
    be.gram = (...a) => { calls++; return orig.apply(be, a); };
    try {
      const out = new Float64Array(T * T), ref = new Float64Array(T * T);
      gram(g, out, T, d);
      gramTs(g, ref, T, d);
      expect(calls).toBe(1);
      for (let i = 0; i < T * T; i++) expect(Math.abs(out[i]! - ref[i]!)).toBeLessThanOrEqual(1e-6 * Math.sqrt(ref[(i % T) * (T + 1)]! * ref[Math.floor(i / T) * (T + 1)]!));
      useGramKernel(null); // the TS loop
      gram(g, out, T, d);
      expect(calls).toBe(1);
      expect(out).toEqual(ref);
      useGramKernel('backend'); // small G: the TS loop (exact float64 products) even on wasm
      const small = rows(T, 4099, 3), o2 = new Float64Array(T * T), r2 = new Float64Array(T * T);
      gram(small, o2, T, 4099);
      gramTs(small, r2, T, 4099);
      expect(calls).toBe(1);
      expect(o2).toEqual(r2);
    } finally {
      be.gram = orig;
      useGramKernel('backend');
    }
  });

  it('js: the TS loop (the js twin is not called)', () => {
    const be = setBackend('js');
    const T = 3, d = 5000, g = rows(T, d, 2);
    let calls = 0;
    const orig = be.gram;
    be.gram = (...a) => { calls++; return orig.apply(be, a); };
    try {
      const out = new Float64Array(T * T), ref = new Float64Array(T * T);
      gram(g, out, T, d);
      gramTs(g, ref, T, d);
      expect(calls).toBe(0);
      expect(out).toEqual(ref);
    } finally {
      be.gram = orig;
    }
  });
});
