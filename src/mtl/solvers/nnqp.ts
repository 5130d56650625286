/**
 * Non-negative least squares and the non-negative QP of gradcraft-exact.
 *
 * NNLS, min_{x >= 0} |E x - f|, by Lawson and Hanson's active-set method (1974, ch. 23) in its
 * least-squares form: each subproblem is solved on the columns of E themselves (`lstsqMinNorm`,
 * an SVD), never on E^T E, so its conditioning is not squared. A column enters only when it
 * makes an angle of less than 90 degrees with the residual by a relative margin, and by more
 * than the rounding of E^T r (w_j > |e_j| max(tol |r|, 64 eps (|f| + sum_k |e_k| x_k))); in exact arithmetic such a column is independent of the passive ones, so the passive set
 * stays of full column rank however many columns there are (T > d included), and when rounding
 * makes it dependent the minimum-norm solve still returns a point of the passive face.
 *
 * NNQP, min_{x >= 0} 1/2 x^T A x - b^T x for symmetric PSD A, is the dual of the least
 * distance problem (LDP) min 1/2 |z|^2 s.t. W z >= b, A = W W^T, with z = W^T x. Lawson and
 * Hanson solve the LDP as one NNLS: E = [W^T; b^T], f = e_{r+1}; with u its solution and
 * rho = 1 - b^T u = |E u - f|^2,
 *   rho > 0: x = u / rho solves the NNQP (E^T (E u - f) = rho (A x - b) gives its KKT);
 *   rho = 0: E u = f, i.e. u >= 0, W^T u = 0, b^T u = 1: a Farkas certificate that the LDP is
 *            infeasible and the NNQP unbounded below (along u).
 * Before that A is Jacobi-scaled to unit diagonal and b to unit max-norm (the solution maps
 * back exactly), so every tolerance below is relative. W comes from A's eigen-decomposition;
 * eigenvalues below 0 (rounding of a PSD A) are set to 0, and their size is reported.
 *
 * rho is small but positive when a solution exists only very far away; how far counts as
 * infeasible is `LDP_MAX_DISTANCE` (see `ldp`).
 */
import { symEig } from '../linalg.ts';
import { lstsqMinNorm } from './lstsq.ts';

const EPS = 2.220446049250313e-16;
/** Relative margin by which a column must point along the residual to enter the passive set. */
export const NNLS_ENTER_TOL = 1e-12;
/** An LDP whose least distance exceeds this many times its scale is declared infeasible (see `ldp`). */
export const LDP_MAX_DISTANCE = 1e6;

export interface NnlsReport {
  iterations: number;
  /** False when the iteration cap was reached before the KKT test passed. */
  converged: boolean;
  /** |E x - f| at the end. */
  residualNorm: number;
}

/**
 * min_{x >= 0} |E x - f| for E stored m x n row-major (Lawson-Hanson, least-squares form).
 * KKT at the answer: x >= 0, g = E^T (E x - f) >= 0 up to the entry margin, x_j g_j = 0.
 */
export function nnls(E: ArrayLike<number>, f: ArrayLike<number>, m: number, n: number, x: Float64Array, maxIter = 3 * n + 30): NnlsReport {
  x.fill(0, 0, n);
  const colNorm = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += E[k * n + j] * E[k * n + j];
    colNorm[j] = Math.sqrt(s);
  }
  let fNorm = 0;
  for (let k = 0; k < m; k++) fNorm += f[k] * f[k];
  fNorm = Math.sqrt(fNorm);
  const P = new Uint8Array(n), blocked = new Uint8Array(n);
  const r = new Float64Array(m), w = new Float64Array(n), z = new Float64Array(n);
  const residual = (): number => {
    let rr = 0;
    for (let k = 0; k < m; k++) {
      let s = f[k];
      for (let j = 0; j < n; j++) s -= E[k * n + j] * x[j];
      r[k] = s;
      rr += s * s;
    }
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += E[k * n + j] * r[k];
      w[j] = s;
    }
    return Math.sqrt(rr);
  };
  let it = 0, converged = false;
  for (; it < maxIter; it++) {
    const rn = residual();
    // A column enters when it points along the residual by a relative margin, and by more than
    // the rounding of E^T r itself, about eps |e_j| (|f| + sum_k |e_k| x_k).
    let xs = fNorm;
    for (let j = 0; j < n; j++) xs += colNorm[j] * x[j];
    const floor = Math.max(NNLS_ENTER_TOL * rn, 64 * EPS * xs);
    let jmax = -1, best = 0;
    for (let j = 0; j < n; j++) {
      if (P[j] || blocked[j] || !(colNorm[j] > 0)) continue;
      const c = w[j] / colNorm[j];
      if (c > floor && c > best) { best = c; jmax = j; }
    }
    if (jmax < 0) { converged = true; break; }
    P[jmax] = 1;
    let moved = false;
    for (let inner = 0; inner <= n; inner++) {
      const idx: number[] = [];
      for (let j = 0; j < n; j++) if (P[j]) idx.push(j);
      const p = idx.length;
      const Ep = new Float64Array(m * p), zp = new Float64Array(p);
      for (let k = 0; k < m; k++) for (let a = 0; a < p; a++) Ep[k * p + a] = E[k * n + idx[a]];
      lstsqMinNorm(Ep, m, p, f, zp);
      z.fill(0);
      for (let a = 0; a < p; a++) z[idx[a]] = zp[a];
      if (idx.every((j) => z[j] > 0)) { x.set(z); moved = true; break; }
      // Step from x towards z until the first passive variable reaches 0, and drop it.
      let alpha = 1;
      for (const j of idx) if (!(z[j] > 0)) alpha = Math.min(alpha, x[j] / (x[j] - z[j]));
      if (!(alpha > 0)) alpha = 0;
      for (const j of idx) {
        x[j] += alpha * (z[j] - x[j]);
        if (!(x[j] > 0) || (!(z[j] > 0) && x[j] <= EPS * Math.abs(z[j]))) { x[j] = 0; P[j] = 0; }
      }
      if (alpha > 0) moved = true;
      if (idx.every((j) => !P[j])) break;
    }
    // A column that rounding made dependent can fail to enter (its z_j <= 0 at once): keep it
    // out until x moves, or the loop would pick it forever.
    if (moved) blocked.fill(0);
    if (!P[jmax]) blocked[jmax] = 1;
  }
  return { iterations: it, converged, residualNorm: residual() };
}

export interface LdpReport {
  iterations: number;
  converged: boolean;
  /** 'infeasible' only with `witness`: v >= 0, h^T v = 1, |W^T v| <= 1 / (LDP_MAX_DISTANCE scale). */
  status: 'feasible' | 'infeasible';
  /**
   * When infeasible: the witness's proof, (h^T v) / (scale |W^T v|) >= LDP_MAX_DISTANCE: every z
   * with W z >= h has |z| / scale at least this (Infinity for a zero row with h_j > 0).
   */
  witnessBound: number;
}

/**
 * Least distance programming: min 1/2 |z|^2 s.t. W z >= h, W n x r row-major, by one NNLS
 * (see the file comment). Writes the multipliers lambda >= 0 (z = W^T lambda) into `lambda`,
 * or, when infeasible, the Farkas witness v into `witness` (lambda is then 0).
 *
 * `scale` is the natural length of z (1 for unit-row problems; default max_j h_j / |w_j|):
 * rows are scaled to unit length and h by 1 / scale first (both map back exactly), so the
 * decision below is relative. Declared infeasible when rho = |E u - f|^2 = 1 / (1 + |z / scale|^2)
 * is at most 1 / (1 + LDP_MAX_DISTANCE^2), i.e. when every feasible z (if any) would be more than
 * LDP_MAX_DISTANCE times the problem's scale: further than a float64 Gram matrix can place it.
 */
export function ldp(
  W: ArrayLike<number>, h: ArrayLike<number>, n: number, r: number, lambda: Float64Array, witness: Float64Array, scale?: number,
): LdpReport {
  lambda.fill(0, 0, n);
  witness.fill(0, 0, n);
  const rn = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += W[j * r + k] * W[j * r + k];
    rn[j] = Math.sqrt(s);
    if (!(rn[j] > 0) && h[j] > 0) {
      witness[j] = 1 / h[j];
      return { iterations: 0, converged: true, status: 'infeasible', witnessBound: Infinity };
    }
  }
  const live: number[] = [];
  for (let j = 0; j < n; j++) if (rn[j] > 0) live.push(j);
  const m = live.length;
  let hmax = 0;
  for (const j of live) hmax = Math.max(hmax, h[j] / rn[j]);
  // Every h_j <= 0: z = 0 is feasible, and optimal.
  if (!(hmax > 0)) return { iterations: 0, converged: true, status: 'feasible', witnessBound: 0 };
  const sc = scale ?? hmax;
  // E = [Wn^T; hn^T] ((r+1) x m), f = e_{r+1}.
  const E = new Float64Array((r + 1) * m), f = new Float64Array(r + 1);
  for (let a = 0; a < m; a++) {
    const j = live[a];
    for (let k = 0; k < r; k++) E[k * m + a] = W[j * r + k] / rn[j];
    E[r * m + a] = h[j] / rn[j] / sc;
  }
  f[r] = 1;
  const u = new Float64Array(m);
  const rep = nnls(E, f, r + 1, m, u);
  let hu = 0, wu2 = 0;
  for (let a = 0; a < m; a++) hu += E[r * m + a] * u[a];
  for (let k = 0; k < r; k++) {
    let t = 0;
    for (let a = 0; a < m; a++) t += E[k * m + a] * u[a];
    wu2 += t * t;
  }
  const rho = 1 - hu;
  if (hu > 0 && rho <= 1 / (1 + LDP_MAX_DISTANCE * LDP_MAX_DISTANCE)) {
    for (let a = 0; a < m; a++) witness[live[a]] = u[a] / rn[live[a]] / (hu * sc);
    return { iterations: rep.iterations, converged: rep.converged, status: 'infeasible', witnessBound: hu / Math.sqrt(wu2) };
  }
  for (let a = 0; a < m; a++) lambda[live[a]] = (u[a] * sc) / (rho * rn[live[a]]);
  return { iterations: rep.iterations, converged: rep.converged, status: 'feasible', witnessBound: 0 };
}

/**
 * A = W W^T for symmetric PSD A (n x n): W = V sqrt(max(vals, 0)) from the eigen-decomposition
 * (n x n, row j the coordinates of vector j). Eigenvalues below 0 come from rounding of a PSD
 * matrix; `indefinite` reports -lambda_min / lambda_max.
 */
export function psdFactor(A: ArrayLike<number>, n: number): { W: Float64Array; indefinite: number } {
  const vals = new Float64Array(n), V = new Float64Array(n * n);
  symEig(A, n, vals, V);
  let lmax = 0, lmin = 0;
  for (let k = 0; k < n; k++) { lmax = Math.max(lmax, vals[k]); lmin = Math.min(lmin, vals[k]); }
  const W = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const sk = Math.sqrt(Math.max(vals[k], 0));
    for (let j = 0; j < n; j++) W[j * n + k] = V[j * n + k] * sk;
  }
  return { W, indefinite: lmin < 0 && lmax > 0 ? -lmin / lmax : 0 };
}

export interface NnqpReport {
  iterations: number;
  converged: boolean;
  /** 'optimal': x solves the KKT system; 'unbounded': no minimiser exists, `witness` proves it. */
  status: 'optimal' | 'unbounded';
  /**
   * KKT residual of x, relative: max_j max(0, -(A x - b)_j) / (sum_k |A_jk x_k| + |b_j|) for
   * dual feasibility, and the same measure of |(A x - b)_j| where x_j > 0.
   */
  violation: number;
  /** When unbounded: v >= 0 with A v ~ 0 and b^T v = 1 (x is then 0). */
  witness: Float64Array | null;
  /** The LDP's witness bound (see LdpReport). */
  witnessBound: number;
  /** -lambda_min / lambda_max of A after Jacobi scaling, when A was (by rounding) indefinite. */
  indefinite: number;
}

/** min_{x >= 0} 1/2 x^T A x - b^T x for symmetric PSD A (n x n), as the dual of an LDP. */
export function nnqp(A: ArrayLike<number>, b: ArrayLike<number>, n: number, x: Float64Array): NnqpReport {
  x.fill(0, 0, n);
  // Jacobi scaling: the LDP then has unit rows wherever A_jj > 0.
  const s = Array.from({ length: n }, (_, j) => (A[j * n + j] > 0 ? 1 / Math.sqrt(A[j * n + j]) : 1));
  const As = new Float64Array(n * n), bs = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    bs[j] = s[j] * b[j];
    for (let k = 0; k < n; k++) As[j * n + k] = A[j * n + k] > 0 || A[j * n + k] < 0 ? s[j] * A[j * n + k] * s[k] : 0;
  }
  const { W, indefinite } = psdFactor(As, n);
  const lam = new Float64Array(n), v = new Float64Array(n);
  const rep = ldp(W, bs, n, n, lam, v);
  if (rep.status === 'infeasible') {
    for (let j = 0; j < n; j++) v[j] *= s[j];
    return { iterations: rep.iterations, converged: rep.converged, status: 'unbounded', violation: 0, witness: v, witnessBound: rep.witnessBound, indefinite };
  }
  for (let j = 0; j < n; j++) x[j] = s[j] * lam[j];
  return { iterations: rep.iterations, converged: rep.converged, status: 'optimal', violation: kktViolation(A, b, n, x), witness: null, witnessBound: 0, indefinite };
}

/** The relative KKT residual of an NNQP answer (see NnqpReport.violation). */
export function kktViolation(A: ArrayLike<number>, b: ArrayLike<number>, n: number, x: ArrayLike<number>): number {
  let v = 0;
  for (let j = 0; j < n; j++) {
    let g = -b[j], sc = Math.abs(b[j]);
    for (let k = 0; k < n; k++) { g += A[j * n + k] * x[k]; sc += Math.abs(A[j * n + k] * x[k]); }
    if (!(sc > 0)) continue;
    v = Math.max(v, Math.max(0, -g) / sc);
    if (x[j] > 0) v = Math.max(v, Math.abs(g) / sc);
    if (x[j] < 0) v = Math.max(v, 1);
  }
  return v;
}
