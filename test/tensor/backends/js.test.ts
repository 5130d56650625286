import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createJsBackend } from '../../../src/tensor/backends/js.ts';
import { getBackend, registerBackend, setBackend } from '../../../src/tensor/backends/registry.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { ikjMatmul } from '../../../src/bench/ikj-matmul.ts';

const js = createJsBackend();

/** C = op(A) op(B) by the definition, in float64. */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  return c;
}

function randArr(rng: Rng, n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform(-1, 1);
  return x;
}

describe('js backend capabilities', () => {
  it('nothing resident, no fast finite check, row sums stay in the caller\'s loop, one thread', () => {
    const be = createJsBackend();
    expect(be.resident(be.alloc('float32', 5000))).toBe(false);
    expect(be.fastFiniteCheck).toBe(false);
    expect(be.rowSumByMatmul(1e9)).toBe(false);
    expect([be.threads, be.maxThreads]).toEqual([1, 1]);
  });
});

describe('js backend matmul', () => {
  it('matches the naive triple loop for every transpose form, with and without accumulate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 11 }),
        fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(),
        (m, k, n, tA, tB, acc, seed) => {
          const rng = new Rng(seed);
          const a = randArr(rng, m * k), b = randArr(rng, k * n), c0 = randArr(rng, m * n);
          const c = c0.slice();
          js.matmul(a, b, c, m, k, n, tA, tB, acc);
          const want = naive(a, b, m, k, n, tA, tB);
          for (let i = 0; i < m * n; i++) expect(c[i]).toBeCloseTo(want[i] + (acc ? c0[i] : 0), 10);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with the plain i-k-j baseline in float32 on a larger shape', () => {
    const rng = new Rng(1);
    const m = 37, k = 29, n = 43;
    const a = Float32Array.from(randArr(rng, m * k)), b = Float32Array.from(randArr(rng, k * n));
    const c1 = new Float32Array(m * n), c2 = new Float32Array(m * n);
    js.matmul(a, b, c1, m, k, n, false, false, false);
    ikjMatmul(a, b, c2, m, k, n);
    for (let i = 0; i < m * n; i++) expect(c1[i]).toBeCloseTo(c2[i], 4);
  });

  it('writes only the first m*n elements of C (C may be a view)', () => {
    const c = new Float64Array(7).fill(9);
    js.matmul(new Float64Array([1, 2]), new Float64Array([3, 4]), c, 1, 2, 1, false, false, false);
    expect(Array.from(c)).toEqual([11, 9, 9, 9, 9, 9, 9]);
  });
});

describe('js backend reductions, gather and scatter', () => {
  it('sums and maxes over the middle axis', () => {
    const x = new Float64Array([1, 5, 2, 3, 4, 0, /* o=1 */ 7, 1, 1, 8, 9, 2]);
    const s = new Float64Array(4), mx = new Float64Array(4), am = new Int32Array(4);
    js.sumAxis(x, s, 2, 3, 2);
    js.maxAxis(x, mx, am, 2, 3, 2);
    expect(Array.from(s)).toEqual([7, 8, 17, 11]);
    expect(Array.from(mx)).toEqual([4, 5, 9, 8]);
    expect(Array.from(am)).toEqual([2, 0, 2, 1]);
  });

  it('max propagates NaN wherever it stands, with argmax at the first NaN', () => {
    // Columns (inner = 3) over len = 4: NaN first, NaN in the middle then larger numbers, none.
    const x = new Float32Array([NaN, 1, 0, /**/ 5, NaN, 2, /**/ 7, 9, 3, /**/ NaN, 8, 1]);
    const mx = new Float32Array(3), am = new Int32Array(3);
    js.maxAxis(x, mx, am, 1, 4, 3);
    expect(Number.isNaN(mx[0])).toBe(true);
    expect(Number.isNaN(mx[1])).toBe(true);
    expect(mx[2]).toBe(3);
    expect(Array.from(am)).toEqual([0, 1, 2]);
  });

  it('gathers rows and scatter-adds duplicates', () => {
    const table = new Float64Array([0, 1, 10, 11, 20, 21]);
    const out = new Float64Array(6);
    js.gatherRows(table, new Int32Array([2, 0, 2]), out, 3, 2);
    expect(Array.from(out)).toEqual([20, 21, 0, 1, 20, 21]);
    const g = new Float64Array(6);
    js.scatterAddRows(g, new Int32Array([2, 0, 2]), new Float64Array([1, 1, 2, 2, 3, 3]), 3, 2);
    expect(Array.from(g)).toEqual([2, 2, 0, 0, 4, 4]);
  });

  it('computes the Gram matrix and dot', () => {
    const g = new Float64Array([1, 2, 3, 4, 5, 6]);
    const out = new Float64Array(4);
    js.gram(g, out, 2, 3);
    expect(Array.from(out)).toEqual([14, 32, 32, 77]);
    expect(js.dot(g, g, 6)).toBe(91);
  });

  it('broadcasts binary ops through strides', () => {
    const a = new Float64Array([1, 2, 3]); // [3,1]
    const b = new Float64Array([10, 20]); // [1,2]
    const out = new Float64Array(6);
    js.binary('add', a, [1, 0], b, [0, 1], out, [3, 2]);
    expect(Array.from(out)).toEqual([11, 21, 12, 22, 13, 23]);
  });
});

describe('backend registry', () => {
  it('falls back to js with one warning for an unknown or failing backend, or throws when strict', () => {
    const warn = console.warn;
    const messages: string[] = [];
    console.warn = (m: string) => void messages.push(m);
    try {
      expect(setBackend('nope').name).toBe('js');
      registerBackend('broken', () => { throw new Error('no SIMD here'); });
      expect(setBackend('broken').name).toBe('js');
      expect(() => setBackend('broken', { strict: true })).toThrow(/no SIMD here/);
    } finally {
      console.warn = warn;
      setBackend('js');
    }
    expect(messages.length).toBe(1);
    expect(messages[0]).toMatch(/"nope" is not registered.*falling back to the js backend/);
    expect(getBackend().name).toBe('js');
  });
});
