/**
 * Minimum-norm least squares for the small square systems of the references (IMTL-G), by
 * one-sided Jacobi SVD (columns rotated pairwise until orthogonal; no A^T A is formed).
 *
 * The rank is decided on A diag(c), c a positive column scaling chosen by the caller so that
 * the columns are of comparable size; the answer is still minimum-norm in the ORIGINAL
 * unknowns x: the least-squares solutions of the truncated system are c o y0 + span(c o V_j,
 * j dropped), and the shortest of them is c o y0 with its projection onto that span removed.
 */
import { qr } from './affine.ts';
import { axpy, dot } from './vec.ts';

export interface Svd {
  /** Columns of A diag(c) rotated to orthogonality: U Sigma, column j of length s[j]. */
  W: number[][];
  s: number[];
  /** V[i][j]: row i of the right singular vectors (column j is one vector). */
  V: number[][];
}

export function svd(A: number[][]): Svd {
  const n = A.length;
  const W = A.map((r) => [...r]);
  const V = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        let a = 0, bb = 0, g = 0;
        for (let i = 0; i < n; i++) { a += W[i][p] ** 2; bb += W[i][q] ** 2; g += W[i][p] * W[i][q]; }
        if (Math.abs(g) <= 1e-17 * Math.sqrt(a * bb)) continue;
        off = Math.max(off, Math.abs(g) / Math.sqrt(a * bb));
        const zeta = (bb - a) / (2 * g);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t), sn = cs * t;
        for (const M of [W, V]) {
          for (let i = 0; i < n; i++) {
            const x = M[i][p], y = M[i][q];
            M[i][p] = cs * x - sn * y;
            M[i][q] = sn * x + cs * y;
          }
        }
      }
    }
    if (off <= 1e-16) break;
  }
  const s = Array.from({ length: n }, (_, j) => Math.sqrt(W.reduce((a, r) => a + r[j] ** 2, 0)));
  return { W, s, V };
}

export interface MinNorm {
  x: number[];
  rank: number;
  /** The singular values of A diag(c). */
  sigma: number[];
}

/**
 * x = the minimum-norm least-squares solution of A x = b, singular values of A diag(c) at or
 * below `tol` counted as zero.
 */
export function minNormLstsq(A: number[][], b: number[], c: number[], tol: number): MinNorm {
  const n = b.length;
  const { W, s, V } = svd(A.map((r) => r.map((v, j) => v * c[j])));
  const y = new Array(n).fill(0);
  const nullBasis: Float64Array[] = [];
  let rank = 0;
  for (let j = 0; j < n; j++) {
    if (!(s[j] > tol)) {
      nullBasis.push(Float64Array.from({ length: n }, (_, i) => c[i] * V[i][j]));
      continue;
    }
    rank++;
    let ub = 0;
    for (let i = 0; i < n; i++) ub += W[i][j] * b[i];
    for (let i = 0; i < n; i++) y[i] += (V[i][j] * ub) / (s[j] * s[j]);
  }
  const x = Float64Array.from(y, (v, i) => v * c[i]);
  const { Q } = qr(nullBasis);
  for (let pass = 0; pass < 2; pass++) for (const q of Q) axpy(x, -dot(q, x), q);
  return { x: Array.from(x), rank, sigma: s };
}
