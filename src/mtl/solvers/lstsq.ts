/**
 * Minimum-norm least squares for the small general systems of the balancers (IMTL-G's
 * (T-1) x (T-1) system), through a singular value decomposition by one-sided Jacobi rotations
 * (Hestenes 1958; Demmel and Veselic 1992): the columns of A are rotated pairwise until they
 * are mutually orthogonal, so A V = U Sigma with no product A^T A ever formed (which would
 * square the condition number and hide every singular value below sqrt(eps) sigma_max).
 *
 * Rank. A singular value counts when it exceeds `tol`, by default max(m, n) eps sigma_max:
 * relative, so the decision does not change when A is scaled. A caller that knows the scale of
 * its data better than sigma_max (rounding noise of a system that is all noise has a tiny
 * sigma_max too) passes its own absolute `tol`, in the units of the column-scaled matrix.
 *
 * Column scaling. With `colScale` c the rank is decided on A diag(c) (so that columns of very
 * different sizes are judged alike), and the answer is still the minimum-norm least-squares
 * solution in the ORIGINAL variables x of the rank-r system: x = c o y0 minus its Euclidean
 * projection onto the numerical null space diag(c) N (N the dropped right singular vectors).
 */

const EPS = 2.220446049250313e-16;

export interface Svd {
  /** m x n row-major, columns the left singular vectors (zero for a zero singular value). */
  U: Float64Array;
  /** n singular values, in the order of the columns (not sorted). */
  s: Float64Array;
  /** n x n row-major, columns the right singular vectors. */
  V: Float64Array;
  sweeps: number;
}

/** SVD of the m x n row-major A by one-sided Jacobi; accurate to working precision. */
export function svdJacobi(A: ArrayLike<number>, m: number, n: number): Svd {
  const W = Float64Array.from({ length: m * n }, (_, i) => A[i]);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let sweeps = 0;
  for (; sweeps < 60; sweeps++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let k = 0; k < m; k++) {
          const wp = W[k * n + p], wq = W[k * n + q];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        // Columns already orthogonal to working precision: rotating would only add noise.
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha) * Math.sqrt(beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let k = 0; k < m; k++) {
          const wp = W[k * n + p], wq = W[k * n + q];
          W[k * n + p] = c * wp - s * wq;
          W[k * n + q] = s * wp + c * wq;
        }
        for (let k = 0; k < n; k++) {
          const vp = V[k * n + p], vq = V[k * n + q];
          V[k * n + p] = c * vp - s * vq;
          V[k * n + q] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const s = new Float64Array(n), U = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let k = 0; k < m; k++) ss += W[k * n + j] * W[k * n + j];
    s[j] = Math.sqrt(ss);
    if (s[j] > 0) for (let k = 0; k < m; k++) U[k * n + j] = W[k * n + j] / s[j];
  }
  return { U, s, V, sweeps };
}

export interface LstsqOptions {
  /** Positive scale per column: the rank is decided on A diag(colScale). */
  colScale?: ArrayLike<number>;
  /** Absolute threshold on the singular values of the scaled matrix (default max(m,n) eps sigma_max). */
  tol?: number;
  /**
   * Keep exactly this many of the largest singular values (a rank decided elsewhere, on a
   * better-conditioned form of the same system); overrides `tol`.
   */
  rank?: number;
}

export interface LstsqReport {
  /** Numerical rank: singular values above `tol`. */
  rank: number;
  /** Largest singular value of the (column-scaled) matrix. */
  sigmaMax: number;
  /** Smallest singular value kept (Infinity when none) and largest dropped (0 when none). */
  sigmaMinKept: number;
  sigmaMaxDropped: number;
  tol: number;
}

/**
 * x = the minimum-norm least-squares solution of A x = b (A m x n row-major), with the rank
 * decided as in the file comment. Works for any m, n (wide, tall, square, zero).
 */
export function lstsqMinNorm(A: ArrayLike<number>, m: number, n: number, b: ArrayLike<number>, x: Float64Array, opts: LstsqOptions = {}): LstsqReport {
  const c = opts.colScale;
  const As = new Float64Array(m * n);
  for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) As[r * n + j] = A[r * n + j] * (c ? c[j] : 1);
  const { U, s, V } = svdJacobi(As, m, n);
  let sigmaMax = 0;
  for (let j = 0; j < n; j++) sigmaMax = Math.max(sigmaMax, s[j]);
  let tol = opts.tol ?? Math.max(m, n) * EPS * sigmaMax;
  if (opts.rank !== undefined) {
    const sorted = Array.from(s).sort((p, q) => q - p);
    tol = opts.rank >= n ? 0 : sorted[Math.max(opts.rank, 0)];
  }
  const y = new Float64Array(n);
  const dropped: number[] = [];
  let rank = 0, sigmaMinKept = Infinity, sigmaMaxDropped = 0;
  for (let j = 0; j < n; j++) {
    if (!(s[j] > tol)) {
      dropped.push(j);
      sigmaMaxDropped = Math.max(sigmaMaxDropped, s[j]);
      continue;
    }
    rank++;
    sigmaMinKept = Math.min(sigmaMinKept, s[j]);
    let ub = 0;
    for (let k = 0; k < m; k++) ub += U[k * n + j] * b[k];
    const f = ub / s[j];
    for (let k = 0; k < n; k++) y[k] += f * V[k * n + j];
  }
  for (let k = 0; k < n; k++) x[k] = y[k] * (c ? c[k] : 1);
  if (c && dropped.length > 0) removeNullComponent(x, n, V, dropped, c);
  return { rank, sigmaMax, sigmaMinKept, sigmaMaxDropped, tol };
}

/**
 * x -= its Euclidean projection onto span{ diag(c) V_j : j in dropped }: with a column scaling
 * the null space of the original A is diag(c) times that of the scaled one, and the minimum
 * norm solution is the one orthogonal to it. Modified Gram-Schmidt twice over a basis of at
 * most n vectors (independent: diag(c) is invertible and the V_j orthonormal).
 */
function removeNullComponent(x: Float64Array, n: number, V: Float64Array, dropped: number[], c: ArrayLike<number>): void {
  const Q: Float64Array[] = [];
  for (const j of dropped) {
    const q = Float64Array.from({ length: n }, (_, k) => c[k] * V[k * n + j]);
    for (let pass = 0; pass < 2; pass++) {
      for (const p of Q) {
        let d = 0;
        for (let k = 0; k < n; k++) d += p[k] * q[k];
        for (let k = 0; k < n; k++) q[k] -= d * p[k];
      }
    }
    let nq = 0;
    for (let k = 0; k < n; k++) nq += q[k] * q[k];
    nq = Math.sqrt(nq);
    if (!(nq > 0)) continue;
    for (let k = 0; k < n; k++) q[k] /= nq;
    Q.push(q);
  }
  for (let pass = 0; pass < 2; pass++) {
    for (const q of Q) {
      let d = 0;
      for (let k = 0; k < n; k++) d += q[k] * x[k];
      for (let k = 0; k < n; k++) x[k] -= d * q[k];
    }
  }
}
