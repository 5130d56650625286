/**
 * Projection of a point onto an affine set { x : <x, a_j> = z_j } along span(a_j), by
 * modified Gram-Schmidt (twice) on the a_j in R^d: the conditioning is that of the rows, not of
 * their Gram matrix, so spread norms and near-collinear rows keep their digits. A row that is a
 * combination of earlier ones (residual below 1e-10 of its norm) is dropped; its equation must
 * then hold already (`consistent`, to 1e-9 of the data's scale).
 */
import { axpy, dot, nrm, type Rows, type Vec } from './vec.ts';

export interface QR {
  /** Orthonormal basis of span(rows kept). */
  Q: Vec[];
  /** R[k][c] = <q_k, rows[kept[c]]>, upper triangular over the kept rows. */
  R: number[][];
  kept: number[];
  /** coef[j][k] = <q_k, rows[j]> for every row (0 past the basis it saw). */
  coef: number[][];
}

export function qr(rows: Rows, dropTol = 1e-10): QR {
  const Q: Vec[] = [], R: number[][] = [], kept: number[] = [], coef: number[][] = [];
  rows.forEach((a, j) => {
    const v = Float64Array.from(a);
    const r = new Array(Q.length).fill(0);
    for (let pass = 0; pass < 2; pass++) {
      Q.forEach((q, k) => { const c = dot(q, v); r[k] += c; axpy(v, -c, q); });
    }
    const n = nrm(v), na = nrm(a);
    coef.push(r);
    if (!(na > 0) || n <= dropTol * na) return;
    r.push(n);
    Q.push(v.map((x) => x / n));
    R.forEach((row, k) => row.push(r[k]));
    R.push([...new Array(Q.length - 1).fill(0), n]);
    kept.push(j);
  });
  for (const c of coef) while (c.length < Q.length) c.push(0);
  return { Q, R, kept, coef };
}

/** Solve R^T y = b (forward substitution) over the kept rows. */
export function solveRT(R: number[][], b: number[]): number[] {
  const n = b.length, y = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= R[k][i] * y[k];
    y[i] = s / R[i][i];
  }
  return y;
}

/** Solve R w = y (back substitution). */
export function solveR(R: number[][], y: number[]): number[] {
  const n = y.length, w = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= R[i][k] * w[k];
    w[i] = s / R[i][i];
  }
  return w;
}

export interface AffineProjection {
  x: Vec;
  /** x = p + sum_j w[j] rows[j] (0 on dropped rows). */
  w: number[];
  /**
   * Every equation, dropped rows included, holds to 1e-9 of its natural scale. When not, x is
   * the least-squares point instead: x - p in span(rows) minimising sum_j (<x, a_j> - z_j)^2.
   */
  consistent: boolean;
}

export function affineProject(p: Vec, rows: Rows, z: number[]): AffineProjection {
  const first = project(p, rows, z, false);
  return first.consistent ? first : { ...project(p, rows, z, true), consistent: false };
}

function project(p: Vec, rows: Rows, z: number[], leastSquares: boolean): AffineProjection {
  const { Q, R, kept, coef } = qr(rows);
  const r = rows.map((a, j) => z[j] - dot(p, a));
  // Consistent: the kept equations fix y (R^T y = r). Otherwise min_y |coef y - r|, by the
  // normal equations of the small system (its columns are independent).
  const y = leastSquares ? normalSolve(coef, r, Q.length) : solveRT(R, kept.map((j) => r[j]));
  const x = Float64Array.from(p);
  Q.forEach((q, k) => axpy(x, y[k], q));
  const wk = solveR(R, y);
  const w = new Array(rows.length).fill(0);
  kept.forEach((j, c) => { w[j] = wk[c]; });
  // Rounding in <x, a_j> is relative to the data (|p| |a_j|), not to x, which may be tiny.
  const nx = nrm(x) + nrm(p);
  const consistent = rows.every((a, j) => Math.abs(dot(x, a) - z[j]) <= 1e-9 * (nx * nrm(a) + Math.abs(z[j])));
  return { x, w, consistent };
}

/** argmin_y |A y - b| for A (m x k) of full column rank, by Cholesky of A^T A. */
function normalSolve(A: number[][], b: number[], k: number): number[] {
  const N = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => A.reduce((s, a) => s + a[i] * a[j], 0)));
  const rhs = Array.from({ length: k }, (_, i) => A.reduce((s, a, r) => s + a[i] * b[r], 0));
  const L = Array.from({ length: k }, () => new Array(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = N[i][j];
      for (let m = 0; m < j; m++) s -= L[i][m] * L[j][m];
      L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
    }
  }
  const u = new Array(k).fill(0), y = new Array(k).fill(0);
  for (let i = 0; i < k; i++) { let s = rhs[i]; for (let m = 0; m < i; m++) s -= L[i][m] * u[m]; u[i] = s / L[i][i]; }
  for (let i = k - 1; i >= 0; i--) { let s = u[i]; for (let m = i + 1; m < k; m++) s -= L[m][i] * y[m]; y[i] = s / L[i][i]; }
  return y;
}
