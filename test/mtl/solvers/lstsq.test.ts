import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { lstsqMinNorm, svdJacobi } from '../../../src/mtl/solvers/lstsq.ts';
import { solveGeneral } from '../../../src/mtl/linalg.ts';
import { Rng } from '../../../src/tensor/rng.ts';

/** m x n of rank min(r, m, n) (almost surely): a product of small-integer m x r and r x n factors, exact in float64, times 10^e. */
function lowRank(seed: number, m: number, n: number, r: number, e = 0): Float64Array {
  const rng = new Rng(seed);
  const int = (): number => Math.floor(rng.next() * 19) - 9;
  const L = Array.from({ length: m * r }, int), R = Array.from({ length: r * n }, int);
  const A = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += L[i * r + k] * R[k * n + j];
    A[i * n + j] = s * Math.pow(2, e);
  }
  return A;
}

const matVec = (A: ArrayLike<number>, m: number, n: number, x: ArrayLike<number>): Float64Array =>
  Float64Array.from({ length: m }, (_, i) => { let s = 0; for (let j = 0; j < n; j++) s += A[i * n + j] * x[j]; return s; });
const matTVec = (A: ArrayLike<number>, m: number, n: number, y: ArrayLike<number>): Float64Array =>
  Float64Array.from({ length: n }, (_, j) => { let s = 0; for (let i = 0; i < m; i++) s += A[i * n + j] * y[i]; return s; });
const nrm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/** Residual of projecting x onto span of A's rows, by modified Gram-Schmidt with a rank cut (independent of the SVD). */
function outsideRowSpace(A: Float64Array, m: number, n: number, x: Float64Array): number {
  const Q: Float64Array[] = [];
  let amax = 0;
  for (let i = 0; i < m; i++) amax = Math.max(amax, nrm(A.subarray(i * n, i * n + n)));
  for (let i = 0; i < m; i++) {
    const q = Float64Array.from(A.subarray(i * n, i * n + n));
    for (let pass = 0; pass < 2; pass++) for (const p of Q) { const d = p.reduce((s, v, k) => s + v * q[k], 0); for (let k = 0; k < n; k++) q[k] -= d * p[k]; }
    const nq = nrm(q);
    if (nq > 1e-9 * amax) Q.push(q.map((v) => v / nq));
  }
  const r = Float64Array.from(x);
  for (let pass = 0; pass < 2; pass++) for (const p of Q) { const d = p.reduce((s, v, k) => s + v * r[k], 0); for (let k = 0; k < n; k++) r[k] -= d * p[k]; }
  return nrm(r) / Math.max(nrm(x), 1e-300);
}

describe('svdJacobi', () => {
  it('reconstructs A = U S V^T with orthonormal V, for tall, wide and rank-deficient A', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 7 }), (seed, m, n, r) => {
      const A = lowRank(seed, m, n, r);
      const { U, s, V } = svdJacobi(A, m, n);
      let err = 0, scale = 0;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let v = 0;
        for (let k = 0; k < n; k++) v += U[i * n + k] * s[k] * V[j * n + k];
        err = Math.max(err, Math.abs(v - A[i * n + j]));
        scale = Math.max(scale, Math.abs(A[i * n + j]));
      }
      expect(err).toBeLessThanOrEqual(1e-13 * Math.max(scale, 1e-300) * n);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += V[k * n + a] * V[k * n + b];
        expect(Math.abs(d - (a === b ? 1 : 0))).toBeLessThan(1e-13);
      }
    }), { numRuns: 150, seed: 31 });
  });
});

describe('lstsqMinNorm', () => {
  it('returns the minimum-norm least-squares solution: normal equations hold and x lies in the row space', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: -200, max: 200 }), (seed, m, n, r, e) => {
      const A = lowRank(seed, m, n, r, e);
      const rng = new Rng(seed + 1);
      const b = Float64Array.from({ length: m }, () => rng.normal() * Math.pow(2, e));
      const x = new Float64Array(n);
      const rep = lstsqMinNorm(A, m, n, b, x);
      expect(rep.rank).toBe(Math.min(r, m, n));
      const res = matVec(A, m, n, x).map((v, i) => v - b[i]);
      const ne = nrm(matTVec(A, m, n, res));
      const sa = rep.sigmaMax;
      expect(ne).toBeLessThanOrEqual(1e-12 * sa * (sa * nrm(x) + nrm(b)) + 1e-300);
      if (rep.rank > 0) expect(outsideRowSpace(A, m, n, x)).toBeLessThan(1e-9);
    }), { numRuns: 200, seed: 32 });
  });

  it('the rank decision is relative: scaling A by 1e-150 or 1e150 changes nothing', () => {
    const A = lowRank(5, 5, 5, 3);
    for (const e of [-150, 0, 150]) {
      const As = A.map((v) => v * Math.pow(10, e));
      expect(lstsqMinNorm(As, 5, 5, [1, 2, 3, 4, 5], new Float64Array(5)).rank).toBe(3);
    }
  });

  it('with colScale, the rank is decided on the scaled columns and x is minimum-norm in the original variables', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 5 }), (seed, n, r) => {
      const rk = Math.min(r, n - 1);
      const A = lowRank(seed, n, n, rk);
      const rng = new Rng(seed + 2);
      const c = Float64Array.from({ length: n }, () => Math.pow(10, 4 * (2 * rng.next() - 1)));
      // A diag(1/c): columns spread over 1e8, the rank on A diag(1/c) diag(c) = A.
      const B = A.map((v, i) => v / c[i % n]);
      const b = matVec(A, n, n, Float64Array.from({ length: n }, () => rng.normal()));
      const x = new Float64Array(n);
      const rep = lstsqMinNorm(B, n, n, b, x, { colScale: c });
      expect(rep.rank).toBe(rk);
      const res = matVec(B, n, n, x).map((v, i) => v - b[i]);
      expect(nrm(res)).toBeLessThanOrEqual(1e-9 * nrm(b));
      expect(outsideRowSpace(B, n, n, x)).toBeLessThan(1e-6);
    }), { numRuns: 100, seed: 33 });
  });

  it('a system of rounding noise has rank 0 under an absolute tolerance, not under the relative default', () => {
    const x = new Float64Array(1);
    expect(lstsqMinNorm([2.2e-16], 1, 1, [1e-16], x).rank).toBe(1);
    expect(lstsqMinNorm([2.2e-16], 1, 1, [1e-16], x, { tol: 1e-13 }).rank).toBe(0);
    expect(x[0]).toBe(0);
  });

  it('rank: keeps exactly that many of the largest singular values, whatever their size', () => {
    const x = new Float64Array(2);
    expect(lstsqMinNorm([1, 0, 0, 1e-14], 2, 2, [1, 1], x, { rank: 1 }).rank).toBe(1);
    expect(Array.from(x)).toEqual([1, 0]);
    expect(lstsqMinNorm([1, 0, 0, 1e-14], 2, 2, [1, 1], x, { rank: 2, tol: 1 }).rank).toBe(2);
    expect(x[1]).toBeCloseTo(1e14, 0);
  });

  it('solveGeneral still solves by LU and falls back to the minimum-norm solution', () => {
    const x = new Float64Array(2);
    expect(solveGeneral([1, 1, 1, 1], 2, [2, 2], x)).toEqual({ method: 'pinv', rank: 1 });
    expect(x[0]).toBeCloseTo(1, 14);
    expect(x[1]).toBeCloseTo(1, 14);
  });
});
