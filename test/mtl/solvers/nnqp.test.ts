import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ldp, nnls, nnqp, LDP_MAX_DISTANCE } from '../../../src/mtl/solvers/nnqp.ts';
import { Rng } from '../../../src/tensor/rng.ts';

const gramOf = (V: Float64Array, n: number, r: number): Float64Array => {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += V[i * r + k] * V[j * r + k];
    A[i * n + j] = s;
  }
  return A;
};

/** n rows in R^r, some duplicated or negated (dependent), norms spread over 10^+-e. */
function rows(seed: number, n: number, r: number, e: number): Float64Array {
  const rng = new Rng(seed);
  const V = Float64Array.from({ length: n * r }, () => rng.normal());
  for (let i = 1; i < n; i++) {
    if (rng.next() < 0.3) { const j = Math.floor(rng.next() * i), s = rng.next() < 0.5 ? -1 : 2; for (let k = 0; k < r; k++) V[i * r + k] = s * V[j * r + k]; }
  }
  for (let i = 0; i < n; i++) { const s = Math.pow(10, e * (2 * rng.next() - 1)); for (let k = 0; k < r; k++) V[i * r + k] *= s; }
  return V;
}

describe('nnls (Lawson-Hanson, least-squares form)', () => {
  it('meets the KKT conditions, also with more columns than rows and dependent columns', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 6 }), (seed, m, n, e) => {
      const Et = rows(seed, n, m, e); // column j of E = row j of Et
      const E = Float64Array.from({ length: m * n }, (_, i) => Et[(i % n) * m + Math.floor(i / n)]);
      const rng = new Rng(seed + 7);
      const f = Float64Array.from({ length: m }, () => rng.normal());
      const x = new Float64Array(n);
      const rep = nnls(E, f, m, n, x);
      expect(rep.converged).toBe(true);
      const r = Float64Array.from({ length: m }, (_, k) => { let s = -f[k]; for (let j = 0; j < n; j++) s += E[k * n + j] * x[j]; return s; });
      const fn = Math.hypot(...f);
      // The natural size of E^T r's rounding: |e_j| (|f| + sum_k |e_k| x_k).
      let xs = fn;
      for (let j = 0; j < n; j++) { let c = 0; for (let k = 0; k < m; k++) c += E[k * n + j] ** 2; xs += Math.sqrt(c) * x[j]; }
      for (let j = 0; j < n; j++) {
        let g = 0, cn = 0;
        for (let k = 0; k < m; k++) { g += E[k * n + j] * r[k]; cn += E[k * n + j] ** 2; }
        cn = Math.sqrt(cn);
        expect(x[j]).toBeGreaterThanOrEqual(0);
        expect(g).toBeGreaterThanOrEqual(-1e-12 * cn * xs);
        if (x[j] > 0) expect(Math.abs(g)).toBeLessThanOrEqual(1e-12 * cn * xs);
      }
    }), { numRuns: 300, seed: 41 });
  });
});

describe('ldp', () => {
  it('feasible: W z >= h holds, lambda >= 0 and complementary; infeasible: the witness proves it', () => {
    let infeasible = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 }), (seed, n, r) => {
      const W = rows(seed, n, r, 0);
      const rng = new Rng(seed + 3);
      const h = Float64Array.from({ length: n }, () => rng.normal());
      const lam = new Float64Array(n), v = new Float64Array(n);
      const rep = ldp(W, h, n, r, lam, v);
      const Wt = (c: Float64Array): Float64Array => Float64Array.from({ length: r }, (_, k) => c.reduce((s, ci, j) => s + ci * W[j * r + k], 0));
      if (rep.status === 'feasible') {
        const z = Wt(lam);
        const S = 1 + lam.reduce((s, l, j) => s + l * Math.hypot(...W.subarray(j * r, j * r + r)), 0);
        for (let j = 0; j < n; j++) {
          const wj = W.subarray(j * r, j * r + r), nw = Math.hypot(...wj);
          const slack = wj.reduce((s, w, k) => s + w * z[k], 0) - h[j];
          expect(lam[j]).toBeGreaterThanOrEqual(0);
          expect(slack).toBeGreaterThanOrEqual(-1e-10 * nw * S * (1 + Math.hypot(...z)));
          if (lam[j] > 0) expect(Math.abs(slack)).toBeLessThanOrEqual(1e-9 * nw * S * (1 + Math.hypot(...z)));
        }
      } else {
        infeasible++;
        // Independent check: v >= 0, h^T v = 1 and |W^T v| tiny, so v^T (W z) = 1 is impossible for small z.
        for (const x of v) expect(x).toBeGreaterThanOrEqual(0);
        expect(v.reduce((s, x, j) => s + x * h[j], 0)).toBeCloseTo(1, 9);
        const sumv = v.reduce((s, x, j) => s + x * Math.hypot(...W.subarray(j * r, j * r + r)), 0);
        expect(Math.hypot(...Wt(v))).toBeLessThanOrEqual(2 * sumv / LDP_MAX_DISTANCE + 1e-300);
      }
    }), { numRuns: 400, seed: 42 });
    expect(infeasible).toBeGreaterThan(0);
  });

  it('two opposite rows with h = (1, 1) are infeasible; with h = (1, -2) the answer is exact', () => {
    const lam = new Float64Array(2), v = new Float64Array(2);
    expect(ldp([1, 0, -1, 0], [1, 1], 2, 2, lam, v).status).toBe('infeasible');
    expect(v[0]).toBeCloseTo(0.5, 14);
    expect(v[1]).toBeCloseTo(0.5, 14);
    expect(ldp([1, 0, -1, 0], [1, -2], 2, 2, lam, v).status).toBe('feasible');
    expect(lam[0]).toBeCloseTo(1, 14);
    expect(lam[1]).toBe(0);
  });
});

describe('nnqp', () => {
  it('solves min 1/2 x^T A x - b^T x over x >= 0 for singular A (T > d), or proves it unbounded', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 4 }), (seed, n, r, e) => {
      const V = rows(seed, n, r, e);
      const A = gramOf(V, n, r);
      const rng = new Rng(seed + 5);
      // b in the range of A: bounded below, so an optimum exists.
      const c = Float64Array.from({ length: n }, () => rng.normal());
      const b = Float64Array.from({ length: n }, (_, i) => A.subarray(i * n, i * n + n).reduce((s, a, j) => s + a * c[j], 0));
      const x = new Float64Array(n);
      const rep = nnqp(A, b, n, x);
      expect(rep.status).toBe('optimal');
      expect(rep.violation).toBeLessThan(1e-9);
      for (const xi of x) expect(xi).toBeGreaterThanOrEqual(0);
    }), { numRuns: 300, seed: 43 });
  });

  it('reports unbounded with a witness v >= 0, A v = 0, b^T v = 1', () => {
    const x = new Float64Array(2);
    const rep = nnqp([1, -1, -1, 1], [1, 1], 2, x);
    expect(rep.status).toBe('unbounded');
    const v = rep.witness!;
    expect(v[0] + v[1]).toBeCloseTo(1, 12);
    expect(Math.abs(v[0] - v[1])).toBeLessThan(1e-12);
  });
});
