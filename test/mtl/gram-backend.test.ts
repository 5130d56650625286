import { afterAll, describe, expect, it } from 'vitest';
import { gram, gramJs, useGramKernel, weightedRowSum } from '../../src/mtl/linalg.ts';
import type { Backend } from '../../src/tensor/backend.ts';
import { getBackend, setBackend } from '../../src/tensor/backends/registry.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { createBalancer } from '../../src/mtl/balancers/index.ts';
import type { WasmBackend } from '../../src/tensor/backends/wasm.ts';

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
  const within = (g: Float32Array, T: number, d: number, w: number[], out: Float32Array): void => {
    for (let k = 0; k < d; k++) {
      let ref = 0, mag = 0;
      for (let t = 0; t < T; t++) if (w[t] !== 0) { ref += w[t]! * g[t * d + k]!; mag += Math.abs(w[t]! * g[t * d + k]!); }
      expect(Math.abs(out[k]! - ref)).toBeLessThanOrEqual(2 * (T + 2) * 2 ** -24 * mag + 1e-30);
    }
  };

  it('wasm: one narrow matmul, within float32 summation error of the float64 loop', () => {
    const be = setBackend('wasm');
    const T = 5, d = 60_001, g = rows(T, d, 7), w = [0.5, -1.25, 2, 0.125, 1];
    const sp = spy(be, 'matmul');
    try {
      const out = be.alloc('float32', d) as Float32Array;
      weightedRowSum(g, T, d, w, out);
      expect(sp.calls()).toBe(1);
      within(g, T, d, w, out);
    } finally {
      sp.restore();
    }
  });

  it('wasm, zero weights: one matmul per run of nonzero weights, the zero rows skipped (a NaN there cannot leak), equal to the sum over the live rows alone', () => {
    const be = setBackend('wasm');
    const T = 6, d = 50_003, g = rows(T, d, 11);
    const sp = spy(be, 'matmul');
    try {
      const out = be.alloc('float32', d) as Float32Array;
      g[2 * d + 5] = NaN;
      g[5 * d + 9] = Infinity;
      const w = [0.5, -1.25, 0, 0.125, 1, 0];
      weightedRowSum(g, T, d, w, out);
      expect(sp.calls()).toBe(2); // rows 0-1, then 3-4
      expect(out.every((v) => Number.isFinite(v))).toBe(true);
      within(g, T, d, w, out);
      // Exactly the two kernel calls over the live rows alone, the second accumulating.
      const ref = be.alloc('float32', d) as Float32Array;
      be.matmul(g.slice(0, 2 * d), new Float32Array([0.5, -1.25]), ref, d, 2, 1, true, false, false);
      be.matmul(g.slice(3 * d, 5 * d), new Float32Array([0.125, 1]), ref, d, 2, 1, true, false, true);
      expect(sp.calls()).toBe(4);
      expect(out).toEqual(ref);
      // Every weight zero: out is zero, no kernel call.
      out.fill(7);
      weightedRowSum(g, T, d, [0, 0, 0, 0, 0, 0], out);
      expect(sp.calls()).toBe(4);
      expect(out.every((v) => v === 0)).toBe(true);
    } finally {
      sp.restore();
    }
  });
});

describe('the balancers\' numbers do not depend on the thread count', () => {
  it('GradCraft, MGDA and MultiBalance combine a large G to the same bits on 1 and 2 wasm threads', () => {
    const be = setBackend('wasm') as WasmBackend;
    useGramKernel('backend');
    // Conflicting rows (alternating signs of a common direction plus noise): the combines then
    // depend on every bit of the Gram matrix.
    const T = 6, d = 200_003, g = rows(T, d, 21), u = rows(1, d, 22);
    for (let t = 0; t < T; t++) for (let k = 0; k < d; k++) g[t * d + k] = (t % 2 ? -1 : 1) * (1 + t / 10) * u[k]! + 0.5 * g[t * d + k]!;
    const threads = be.threads;
    try {
      for (const id of ['gradcraft', 'mgda', 'multibalance']) {
        const outs = [1, 2].map((n) => {
          be.setThreads(n);
          const b = createBalancer(id);
          const losses = [0.5, 0.7, 0.2, 0.9, 0.4, 0.6];
          return Array.from(b.combine(g, T, { step: 0, rng: new Rng(1), losses }));
        });
        let differ = 0;
        for (let k = 0; k < d; k++) if (!Object.is(outs[0]![k], outs[1]![k])) differ++;
        expect(differ, `${id}: coordinates that differ between 1 and 2 threads`).toBe(0);
      }
    } finally {
      be.setThreads(threads);
    }
  });
});

describe('the combined gradient\'s finiteness check on the backend', () => {
  it('an output that overflows float32 from finite rows is still caught on a large wasm-resident G', () => {
    setBackend('wasm');
    const T = 2, d = 50_000, g = rows(T, d, 31);
    g[7] = 3e38;
    g[d + 7] = 3e38; // finite, but EW's sum of the two overflows float32
    const out = getBackend().alloc('float32', d) as Float32Array;
    expect(() => createBalancer('ew', { reduction: 'sum' }).combine(g, T, { step: 0, rng: new Rng(1) }, out)).toThrow(/produced a non-finite value from finite gradients/);
  });
});
