import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { linalg } from '../../src/mtl/index.ts';
import { randomG } from './helpers.ts';
import { Rng } from '../../src/tensor/rng.ts';

describe('linalg', () => {
  it('gram matches the naive float64 sum for float32 and float64 rows, across block edges', () => {
    for (const [T, d] of [[1, 1], [3, 5], [6, 4099], [9, 2048]] as const) {
      for (const f32 of [false, true]) {
        const G = randomG(T * d, T, d, { f32 });
        const K = new Float64Array(T * T);
        linalg.gram(G, K, T, d);
        for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += G[i * d + k] * G[j * d + k];
          expect(Math.abs(K[i * T + j] - s)).toBeLessThanOrEqual(1e-12 * d * (1 + Math.abs(s)));
        }
      }
    }
  });

  it('solveSPD: Cholesky on well-conditioned systems, exact pseudo-inverse on consistent singular ones', () => {
    const A = [4, 2, 2, 3];
    const x = new Float64Array(2);
    expect(linalg.solveSPD(A, 2, [2, 1], x).method).toBe('cholesky');
    expect(4 * x[0] + 2 * x[1]).toBeCloseTo(2, 14);
    // Rank one: rows (1, 2) and (2, 4); b in the range.
    const S = [1, 2, 2, 4];
    const r = linalg.solveSPD(S, 2, [3, 6], x);
    expect(r.method).toBe('pinv');
    expect(r.rank).toBe(1);
    expect(x[0] + 2 * x[1]).toBeCloseTo(3, 12);
    // Minimum norm in the Jacobi-scaled variables y = x / s (s = 1/sqrt(diag)): y along (1, 1).
    expect(x[0]).toBeCloseTo(2 * x[1], 12);
    // A zero row gives x = 0 there.
    expect(linalg.solveSPD([0, 0, 0, 2], 2, [5, 4], x).method).toBe('cholesky');
    expect(x[0]).toBe(0);
    expect(x[1]).toBeCloseTo(2, 14);
  });

  it('projectSimplex lands on the simplex and is the nearest point (KKT)', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 10 }), (v) => {
      const n = v.length;
      const p = new Float64Array(n);
      linalg.projectSimplex(v, n, p);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      // v - p = theta on the support, <= theta off it.
      let theta = NaN;
      for (let i = 0; i < n; i++) if (p[i] > 0) { theta = v[i] - p[i]; break; }
      for (let i = 0; i < n; i++) {
        expect(p[i]).toBeGreaterThanOrEqual(0);
        if (p[i] > 0) expect(v[i] - p[i]).toBeCloseTo(theta, 6);
        else expect(v[i]).toBeLessThanOrEqual(theta + 1e-6 * (1 + Math.abs(theta)));
      }
    }), { numRuns: 200, seed: 11 });
  });

  it('nnqp satisfies the KKT conditions; nnls fits a non-negative combination', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 8 }), (seed, n) => {
      const rng = new Rng(seed);
      const m = n + 3;
      const M = Float64Array.from({ length: m * n }, () => rng.normal());
      const y = Float64Array.from({ length: m }, () => rng.normal());
      const x = new Float64Array(n);
      const rep = linalg.nnls(M, y, m, n, x);
      expect(rep.converged).toBe(true);
      for (let j = 0; j < n; j++) {
        let g = 0; // gradient of 1/2 |Mx - y|^2
        for (let r = 0; r < m; r++) {
          let s = -y[r];
          for (let c = 0; c < n; c++) s += M[r * n + c] * x[c];
          g += M[r * n + j] * s;
        }
        expect(x[j]).toBeGreaterThanOrEqual(0);
        expect(g).toBeGreaterThanOrEqual(-1e-9);
        if (x[j] > 0) expect(Math.abs(g)).toBeLessThanOrEqual(1e-9);
      }
    }), { numRuns: 100, seed: 12 });
  });

  it('minNormSimplex: two points have the closed form; vertices are found', () => {
    const a = new Float64Array(2);
    linalg.minNormSimplex([1, 0, 0, 1], 2, a);
    expect(Array.from(a)).toEqual([0.5, 0.5]);
    linalg.minNormSimplex([1, 1, 1, 4], 2, a); // <x, y> = |x|^2: x is the min-norm point
    expect(a[0]).toBeCloseTo(1, 14);
  });

  it('solveGeneral: LU, and least squares on a singular system', () => {
    const x = new Float64Array(2);
    expect(linalg.solveGeneral([0, 1, 1, 0], 2, [2, 3], x).method).toBe('lu');
    expect(Array.from(x)).toEqual([3, 2]);
    expect(linalg.solveGeneral([1, 1, 1, 1], 2, [2, 2], x).method).toBe('pinv');
    expect(x[0] + x[1]).toBeCloseTo(2, 10);
  });
});
