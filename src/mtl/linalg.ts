/**
 * The small dense linear algebra the balancers need, on plain typed arrays.
 *
 * Two sizes live here: d-sized work (the Gram matrix G G^T, weighted row sums), which is where
 * the time goes and is written to stream memory once per block; and T-sized work (T <= a few
 * dozen tasks), which runs in float64 and favours robustness over speed: Cholesky with a
 * documented pseudo-inverse fallback, simplex projection, the min-norm point of a convex hull,
 * non-negative least squares.
 *
 * Singular and ill-conditioned systems. `solveSPD` first scales A to unit diagonal (Jacobi
 * scaling, which makes the test below scale-free), then tries Cholesky; a pivot below
 * `SPD_PIVOT_TOL` (1e-10 of the scaled diagonal, i.e. a condition number beyond about 1e10)
 * sends it to the pseudo-inverse: a Jacobi eigendecomposition with eigenvalues below
 * `PINV_RCOND` (1e-12) times the largest set to zero. On a consistent singular system (the
 * usual case: two collinear gradients in one conflict set) that is an exact solution (the
 * minimum-norm one in the scaled variables); on an inconsistent one, the least-squares
 * solution. For a Gram system A = G G^T every exact solution x gives the same combination
 * G^T x (A (x1 - x2) = 0 implies |G^T (x1 - x2)|^2 = 0), so the balancers' updates do not
 * depend on which one is returned.
 */
import { getBackend } from '../tensor/backends/registry.ts';
import { gramJs } from '../tensor/backends/reduce-js.ts';
import type { Grad } from './balancer.ts';
import { lstsqMinNorm } from './solvers/lstsq.ts';

export const SPD_PIVOT_TOL = 1e-10;
export const PINV_RCOND = 1e-12;

/** Block length for the d-sized kernels: 8 rows of 2048 float32 fit in L1/L2 comfortably. */
const BLOCK = 2048;

export type GramKernel = (g: Grad, out: Float64Array, t: number, d: number) => void;
let gramKernel: GramKernel | null | 'backend' = 'backend';

/**
 * With 'backend' (the default), G of at least this many elements goes to the active backend's
 * `gram`; smaller ones take the TS loop (under a millisecond, exact float64 products).
 */
export const GRAM_KERNEL_MIN = 1 << 18;

/**
 * Route every balancer's Gram matrix through a kernel of your own (same signature), back to
 * the js twin's loop (`gramJs`) with null, or (the default) 'backend': the active backend's
 * `gram` (wasm SIMD over threads, gpu.js, or on js that same loop) for G of GRAM_KERNEL_MIN
 * elements or more. The wasm kernel sums float32 products in float32 lanes over at most 1024
 * coordinates, then in float64: about 1e-6 relative accuracy instead of the loop's ~1e-12. A
 * kernel must fill all T x T entries.
 */
export function useGramKernel(kernel: GramKernel | null | 'backend'): void {
  gramKernel = kernel;
}

/**
 * out[T x T] = G G^T for G stored T x d (row-major), accumulated in float64. The signature
 * matches the backend kernel `gram(g, out, t, d)`; see `useGramKernel`.
 */
export function gram(g: Grad, out: Float64Array, T: number, d: number): void {
  if (gramKernel === 'backend') {
    if (T * d >= GRAM_KERNEL_MIN) {
      getBackend().gram(g, out, T, d);
      return;
    }
  } else if (gramKernel) {
    gramKernel(g, out, T, d);
    return;
  }
  gramJs(g, out, T, d);
}

export { gramJs };

/** sum_k a[aOff+k] b[bOff+k], accumulated in float64. */
export function dot(a: Grad, aOff: number, b: Grad, bOff: number, n: number): number {
  let s0 = 0, s1 = 0;
  let k = 0;
  for (; k + 1 < n; k += 2) {
    s0 += a[aOff + k] * b[bOff + k];
    s1 += a[aOff + k + 1] * b[bOff + k + 1];
  }
  if (k < n) s0 += a[aOff + k] * b[bOff + k];
  return s0 + s1;
}

let wrsWeights: Float32Array | null = null;

/**
 * out[k] = sum_t w[t] G[t, k]; rows with weight 0 are skipped (so their NaN cannot leak).
 * A large float32 G (T d >= GRAM_KERNEL_MIN) goes, on a backend whose `rowSumByMatmul` says so
 * (wasm: its streaming n = 1 kernel), to narrow matmuls out = G^T w, one per run of consecutive
 * nonzero weights, the later ones accumulating: the sum is then in float32 (about T 2^-24
 * relative to sum |w_t G_tk|) instead of float64 pairs. Zero weights are common (MultiBalance's
 * and MGDA's simplex weights), and skipping their rows keeps the NaN rule on the kernel path.
 * Otherwise the loop below.
 */
export function weightedRowSum(G: Grad, T: number, d: number, w: ArrayLike<number>, out: Grad): void {
  if (G instanceof Float32Array && out instanceof Float32Array && T * d >= GRAM_KERNEL_MIN) {
    const be = getBackend();
    // Not every backend takes it: gpu.js compiles a kernel per shape, and d changes every
    // param-mode step.
    if (be.rowSumByMatmul(T * d)) {
      if (wrsWeights === null || wrsWeights.length !== T) wrsWeights = be.alloc('float32', T) as Float32Array;
      for (let t = 0; t < T; t++) wrsWeights[t] = w[t]!;
      let accumulate = false;
      for (let a = 0; a < T; ) {
        if (w[a] === 0) { a++; continue; }
        let b = a + 1;
        while (b < T && w[b] !== 0) b++;
        be.matmul(G.subarray(a * d, b * d), wrsWeights.subarray(a, b), out, d, b - a, 1, true, false, accumulate);
        accumulate = true;
        a = b;
      }
      if (!accumulate) out.fill(0, 0, d);
      return;
    }
  }
  // Block over coordinates so each block of out stays in cache while the T rows stream by,
  // and accumulate in float64 registers for pairs of rows.
  const live: number[] = [];
  for (let t = 0; t < T; t++) if (w[t] !== 0) live.push(t);
  for (let k0 = 0; k0 < d; k0 += BLOCK) {
    const k1 = Math.min(d, k0 + BLOCK);
    out.fill(0, k0, k1);
    let a = 0;
    for (; a + 1 < live.length; a += 2) {
      const ta = live[a], tb = live[a + 1];
      const wa = w[ta], wb = w[tb], oa = ta * d, ob = tb * d;
      for (let k = k0; k < k1; k++) out[k] += wa * G[oa + k] + wb * G[ob + k];
    }
    if (a < live.length) {
      const ta = live[a], wa = w[ta], oa = ta * d;
      for (let k = k0; k < k1; k++) out[k] += wa * G[oa + k];
    }
  }
}

/** Lower Cholesky factor of the n x n SPD matrix A into L; false when a pivot is <= tol. */
export function cholesky(A: ArrayLike<number>, n: number, L: Float64Array, tol = 0): boolean {
  L.fill(0, 0, n * n);
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > tol)) return false;
    const ljj = Math.sqrt(s);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / ljj;
    }
  }
  return true;
}

/** Solve L L^T x = b given the Cholesky factor. */
export function choleskySolve(L: Float64Array, n: number, b: ArrayLike<number>, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * x[k];
    x[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
}

/**
 * Eigen-decomposition of the symmetric n x n matrix A by cyclic Jacobi rotations:
 * A = V diag(vals) V^T, V stored row-major with eigenvectors as columns. Accurate to
 * working precision for the small matrices here.
 */
export function symEig(A: ArrayLike<number>, n: number, vals: Float64Array, V: Float64Array): void {
  const a = Float64Array.from({ length: n * n }, (_, i) => A[i]);
  V.fill(0, 0, n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i] * a[i * n + i];
      for (let j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  for (let i = 0; i < n; i++) vals[i] = a[i * n + i];
}

/**
 * x = pinv(A) b for symmetric A (not necessarily definite): eigenvalues with
 * |lambda| <= rcond * max |lambda| are treated as zero. Returns the numerical rank.
 */
export function pinvSolveSym(A: ArrayLike<number>, n: number, b: ArrayLike<number>, x: Float64Array, rcond = PINV_RCOND): number {
  const vals = new Float64Array(n), V = new Float64Array(n * n);
  symEig(A, n, vals, V);
  let amax = 0;
  for (let i = 0; i < n; i++) amax = Math.max(amax, Math.abs(vals[i]));
  const cut = rcond * amax;
  x.fill(0, 0, n);
  let rank = 0;
  for (let e = 0; e < n; e++) {
    if (!(Math.abs(vals[e]) > cut)) continue;
    rank++;
    let proj = 0;
    for (let i = 0; i < n; i++) proj += V[i * n + e] * b[i];
    proj /= vals[e];
    for (let i = 0; i < n; i++) x[i] += proj * V[i * n + e];
  }
  return rank;
}

export interface SolveReport {
  method: 'cholesky' | 'lu' | 'pinv' | 'zero';
  /** Numerical rank (n for Cholesky). */
  rank: number;
}

/**
 * Solve A x = b for symmetric positive semi-definite A (a Gram matrix). Jacobi-scaled
 * Cholesky when well conditioned, otherwise the pseudo-inverse (see the file comment).
 * Rows with a zero diagonal (zero gradients) get x = 0.
 */
export function solveSPD(A: ArrayLike<number>, n: number, b: ArrayLike<number>, x: Float64Array): SolveReport {
  const s = new Float64Array(n);
  let live = 0;
  for (let i = 0; i < n; i++) {
    const aii = A[i * n + i];
    s[i] = aii > 0 ? 1 / Math.sqrt(aii) : 0;
    if (aii > 0) live++;
  }
  if (live === 0) {
    x.fill(0, 0, n);
    return { method: 'zero', rank: 0 };
  }
  // Scaled system: (S A S) y = S b, x = S y.
  const As = new Float64Array(n * n), bs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    bs[i] = s[i] * b[i];
    for (let j = 0; j < n; j++) As[i * n + j] = s[i] * A[i * n + j] * s[j];
    if (s[i] === 0) As[i * n + i] = 1; // decouple a zero row: y_i = S b_i = 0
  }
  const L = new Float64Array(n * n), y = new Float64Array(n);
  let report: SolveReport;
  if (cholesky(As, n, L, SPD_PIVOT_TOL)) {
    choleskySolve(L, n, bs, y);
    report = { method: 'cholesky', rank: live };
  } else {
    const rank = pinvSolveSym(As, n, bs, y);
    report = { method: 'pinv', rank: Math.min(rank, live) };
  }
  for (let i = 0; i < n; i++) x[i] = s[i] * y[i];
  return report;
}

/**
 * Euclidean projection of v onto the probability simplex {x >= 0, sum x = 1}
 * (sort-based, Held et al. 1974 / Duchi et al. 2008). out may alias v.
 */
export function projectSimplex(v: ArrayLike<number>, n: number, out: Float64Array): void {
  // The projection is unchanged by adding a constant to every entry: shift so the largest is
  // 0, which keeps the threshold exact for huge inputs (a step of 1e20 on weights near 1).
  let mx = -Infinity;
  for (let i = 0; i < n; i++) mx = Math.max(mx, v[i]);
  const u = Array.from({ length: n }, (_, i) => v[i] - mx).sort((a, b) => b - a);
  let css = 0, theta = 0;
  for (let i = 0; i < n; i++) {
    css += u[i];
    const t = (css - 1) / (i + 1);
    if (u[i] - t > 0) theta = t;
  }
  for (let i = 0; i < n; i++) out[i] = Math.max(v[i] - mx - theta, 0);
}

// The min-norm point of a convex hull (Wolfe's exact active set, Sener-Koltun's Frank-Wolfe)
// lives in solvers/simplex.ts; the old names stay importable from here.
export { minNormPoint as minNormSimplex, minNormFrankWolfe, type MinNormReport } from './solvers/simplex.ts';

// The non-negative QP / NNLS live in solvers/nnqp.ts (row-normalised, relative tolerances,
// safe when the active columns are dependent); re-exported for existing callers.
export { nnqp, nnls, type NnqpReport, type NnlsReport } from './solvers/nnqp.ts';

/** Quadratic form c^T K c (for norms of linear combinations of rows, from the Gram matrix). */
export function quadForm(K: ArrayLike<number>, T: number, c: ArrayLike<number>, cOff = 0): number {
  let s = 0;
  for (let i = 0; i < T; i++) {
    const ci = c[cOff + i];
    if (ci === 0) continue;
    let r = 0;
    for (let j = 0; j < T; j++) r += K[i * T + j] * c[cOff + j];
    s += ci * r;
  }
  return s;
}

/**
 * Gaussian elimination with partial pivoting on copies of M and b; false (x untouched) when a
 * pivot is not above `pivotTol` times the largest |entry| of M.
 */
export function luSolve(M: ArrayLike<number>, n: number, b: ArrayLike<number>, x: Float64Array, pivotTol: number): boolean {
  const a = Float64Array.from({ length: n * n }, (_, i) => M[i]);
  const y = Float64Array.from({ length: n }, (_, i) => b[i]);
  let amax = 0;
  for (let i = 0; i < n * n; i++) amax = Math.max(amax, Math.abs(a[i]));
  const tiny = pivotTol * amax;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (!(Math.abs(a[p * n + c]) > tiny)) return false;
    if (p !== c) {
      for (let k = 0; k < n; k++) { const t = a[c * n + k]; a[c * n + k] = a[p * n + k]; a[p * n + k] = t; }
      const t = y[c]; y[c] = y[p]; y[p] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / a[c * n + c];
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
      y[r] -= f * y[c];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= a[i * n + k] * x[k];
    x[i] = s / a[i * n + i];
  }
  return true;
}

/**
 * Solve the general n x n system M x = b: LU with partial pivoting when every pivot is above
 * 1e-12 of the largest |entry|; otherwise the minimum-norm least-squares solution by an SVD
 * with the relative rank tolerance n eps sigma_max (solvers/lstsq.ts).
 */
export function solveGeneral(M: ArrayLike<number>, n: number, b: ArrayLike<number>, x: Float64Array): SolveReport {
  let amax = 0;
  for (let i = 0; i < n * n; i++) amax = Math.max(amax, Math.abs(M[i]));
  if (!(amax > 0)) { x.fill(0, 0, n); return { method: 'zero', rank: 0 }; }
  if (luSolve(M, n, b, x, 1e-12)) return { method: 'lu', rank: n };
  const rep = lstsqMinNorm(M, n, n, b, x);
  return { method: 'pinv', rank: rep.rank };
}
