/**
 * CAGrad's inner problem (Liu et al. 2021, eq. 4 and its dual), on the Gram matrix K of the rows:
 *
 *   min_{w in simplex} F(w) = a^T w + cc sqrt(w^T K w),   a = K b, b = 1/T, cc = c |g0|
 *   max_{|d - g0| <= cc} min_t <g_t, d>                    (the same value)
 *
 * In vectors F(w) = <g_w, g0> + cc |g_w|. For g_w != 0 the update is d = g0 + cc g_w / |g_w|,
 * and the optimality conditions are <g_t, d> >= F(w) for every t, with equality where w_t > 0
 * (the gradient of F is <g_t, d>). Any d in the ball with min_t <g_t, d> = F(w) proves both
 * w and d optimal (weak duality), which is what `cagradKkt` measures.
 *
 * Solved exactly through min-norm points: w solves CAGrad iff w is the min-norm point of the
 * shifted hull conv{g_t + s g0} with |g_w| = cc s (then d = (g_w + s g0) / s). On a fixed face
 * S of the simplex that min-norm point is w(s) = w0 + s w1 (two face solves on K), so the
 * condition |g_w(s)|^2 = cc^2 s^2 is a quadratic in s, solved in closed form. The face is found
 * by bisection on s (dimensionless, so the search is scale-invariant), each step an exact
 * `minNormPoint`; every candidate is certified, and the first certified one is returned.
 *
 * g_w = 0 (0 is in the hull, Pareto-stationary) is optimal iff some d in the ball conflicts with
 * no task; then F = 0 and the update is the projection of g0 onto the cone of non-conflicting
 * directions {d : <g_t, d> >= 0}, which is g0 itself when g0 conflicts with no task (and is the
 * limit of d = (g_w + s g0) / s as s -> 0).
 */
import type { Certificate } from '../balancer.ts';
import { cholesky, choleskySolve, pinvSolveSym } from '../linalg.ts';
import { certificate, condition, minNormPoint, relative, rowNorms, SIMPLEX_TOL, solveFace } from './simplex.ts';

/** Relative tolerance of CAGrad's optimality conditions (see `cagradKkt`). */
export const CAGRAD_TOL = 1e-9;

export interface CagradSolution {
  /** The simplex weights of the inner problem (g_w = sum_t w_t g_t). */
  w: Float64Array;
  /** Row weights of the update before any rescale: d = sum_t u_t g_t. */
  u: Float64Array;
  /** g_w = 0 is optimal; u is then 1/T plus the cone projection's multipliers. */
  zeroGw: boolean;
  /** False when no candidate certified; the best one found is returned. */
  converged: boolean;
}

export function cagradDual(K: ArrayLike<number>, T: number, c: number): CagradSolution {
  const b = 1 / T;
  const a = new Float64Array(T);
  let beta = 0;
  for (let i = 0; i < T; i++) {
    let r = 0;
    for (let j = 0; j < T; j++) r += K[i * T + j] * b;
    a[i] = r;
    beta += r * b;
  }
  const cc = c * Math.sqrt(Math.max(beta, 0));
  const w = new Float64Array(T), u = new Float64Array(T).fill(b);
  if (!(cc > 0)) {
    // F = a^T w is linear: a vertex with the smallest <g_t, g0> (all of them when g0 = 0).
    if (beta > 0) {
      let j = 0;
      for (let i = 1; i < T; i++) if (a[i] < a[j]) j = i;
      w[j] = 1;
    } else w.fill(b);
    return { w, u, zeroGw: false, converged: true };
  }
  const m = rowNorms(K, T);
  minNormPoint(K, T, w);
  let nu0 = 0, s0 = 0;
  for (let i = 0; i < T; i++) {
    let r = 0;
    for (let j = 0; j < T; j++) r += K[i * T + j] * w[j];
    nu0 += w[i] * r;
    s0 += w[i] * m[i];
  }
  // 0 is (nearly) in the hull: g_w = 0 may be optimal; kept only if it certifies.
  if (nu0 <= (1e-6 * s0) ** 2 && zeroCase(K, T, a, cc, m, s0, w, u)) return { w, u, zeroGw: true, converged: true };
  minNormPoint(K, T, w);
  u.fill(b);

  const ws = new Float64Array(T), Ks = new Float64Array(T * T);
  const phi = (s: number): number => {
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) Ks[i * T + j] = K[i * T + j] + s * (a[i] + a[j]) + s * s * beta;
    minNormPoint(Ks, T, ws);
    let q = 0;
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) q += ws[i] * K[i * T + j] * ws[j];
    return q - cc * cc * s * s;
  };
  const tryFace = (s: number): boolean => polishFace(K, T, a, cc, m, ws, s, w, u);

  let lo = 1, hi = 1;
  let f = phi(1);
  if (tryFace(1)) return { w, u, zeroGw: false, converged: true };
  if (f > 0) {
    for (let k = 0; k < 200 && f > 0; k++) {
      lo = hi; hi *= 2; f = phi(hi);
      if (tryFace(hi)) return { w, u, zeroGw: false, converged: true };
    }
  } else {
    for (let k = 0; k < 200 && f <= 0; k++) {
      hi = lo; lo /= 2; f = phi(lo);
      if (tryFace(lo)) return { w, u, zeroGw: false, converged: true };
    }
  }
  let mid = hi;
  for (let k = 0; k < 200 && hi - lo > 4 * Number.EPSILON * hi; k++) {
    mid = hi / lo > 4 ? Math.sqrt(lo * hi) : lo + (hi - lo) / 2;
    if (phi(mid) > 0) lo = mid;
    else hi = mid;
    if (tryFace(mid)) return { w, u, zeroGw: false, converged: true };
  }
  // No face certified: the last bisection point as it is (the caller's certificate says so).
  phi(mid);
  w.set(ws);
  setUpdate(K, T, w, cc, b, u);
  return { w, u, zeroGw: false, converged: false };
}

/**
 * The g_w = 0 candidate: d = g0 + G^T mu, the projection of g0 onto the non-conflicting cone; if
 * it lies in the ball, w is the min-norm point of the tasks d is orthogonal to (there
 * sum_t w_t <g_t, d> = <g_w, d> = 0 forces g_w = 0 on them, the support that complementary
 * slackness allows). Written into w, u when certified.
 */
function zeroCase(K: ArrayLike<number>, T: number, a: Float64Array, cc: number, m: Float64Array, s0: number, w: Float64Array, u: Float64Array): boolean {
  const mu = coneProjection(K, T, a, m);
  let r2 = 0;
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) r2 += mu[i] * K[i * T + j] * mu[j];
  if (!(r2 <= cc * cc * (1 + 1e-12))) return false;
  const cu = Float64Array.from(mu, (x) => x + 1 / T);
  let D = 0;
  for (let i = 0; i < T; i++) D += cu[i] * m[i];
  const A: number[] = [];
  for (let i = 0; i < T; i++) {
    let g = 0;
    for (let j = 0; j < T; j++) g += K[i * T + j] * cu[j];
    if (g <= (CAGRAD_TOL / 16) * (m[i] + s0) * D) A.push(i);
  }
  if (A.length === 0) return false;
  const KA = new Float64Array(A.length * A.length), wA = new Float64Array(A.length);
  for (let p = 0; p < A.length; p++) for (let q = 0; q < A.length; q++) KA[p * A.length + q] = K[A[p] * T + A[q]];
  minNormPoint(KA, A.length, wA);
  const cw = new Float64Array(T);
  for (let p = 0; p < A.length; p++) cw[A[p]] = wA[p];
  if (!cagradKkt(K, T, cc, cw, cu).ok) return false;
  w.set(cw);
  u.set(cu);
  return true;
}

/** u = b + cc / |g_w| w, the row weights of d = g0 + cc g_w / |g_w|. */
function setUpdate(K: ArrayLike<number>, T: number, w: ArrayLike<number>, cc: number, b: number, u: Float64Array): void {
  let q = 0;
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) q += w[i] * K[i * T + j] * w[j];
  const gw = Math.sqrt(Math.max(q, 0));
  const lambda = gw > 0 ? cc / gw : 0;
  for (let i = 0; i < T; i++) u[i] = b + lambda * w[i];
}

/**
 * On the face S = supp(ws): w(s) = w0 + s w1 with (K w0)_S = nu0 1, sum w0 = 1 and
 * (K w1)_S + a_S = nu1 1, sum w1 = 0; the root s > 0 of |g_w(s)|^2 = cc^2 s^2 nearest to s0
 * gives the candidate, kept (in w, u) when its certificate holds.
 */
function polishFace(K: ArrayLike<number>, T: number, a: Float64Array, cc: number, m: Float64Array, ws: Float64Array, s0: number, w: Float64Array, u: Float64Array): boolean {
  const S: number[] = [];
  for (let i = 0; i < T; i++) if (ws[i] > 0) S.push(i);
  if (S.length === 0) return false;
  const w0 = new Float64Array(T), w1 = new Float64Array(T);
  solveFace(K, T, S, m, null, 1, w0);
  solveFace(K, T, S, m, S.map((i) => -a[i]), 0, w1);
  let A = 0, B = 0, C = 0;
  for (const i of S) {
    for (const j of S) {
      const k = K[i * T + j];
      A += w0[i] * k * w0[j];
      B += w0[i] * k * w1[j];
      C += w1[i] * k * w1[j];
    }
  }
  C -= cc * cc;
  const roots: number[] = [];
  if (C === 0) { if (B !== 0) roots.push(-A / (2 * B)); }
  else {
    const disc = B * B - A * C;
    if (disc >= 0) {
      const q = -(B + (B >= 0 ? 1 : -1) * Math.sqrt(disc));
      if (q !== 0) roots.push(q / C, A / q);
      else roots.push(0);
    }
  }
  roots.sort((x, y) => Math.abs(Math.log(x / s0)) - Math.abs(Math.log(y / s0)));
  const cw = new Float64Array(T), cu = new Float64Array(T);
  const b = 1 / T;
  for (const s of roots) {
    if (!(s > 0) || !Number.isFinite(s)) continue;
    cw.fill(0);
    let ok = true;
    for (const i of S) { cw[i] = w0[i] + s * w1[i]; if (!(cw[i] >= 0)) ok = false; }
    if (!ok) continue;
    setUpdate(K, T, cw, cc, b, cu);
    if (cagradKkt(K, T, cc, cw, cu).ok) {
      w.set(cw);
      u.set(cu);
      return true;
    }
  }
  return false;
}

/**
 * The projection of g0 onto {d : <g_t, d> >= 0 for all t}: d = g0 + sum_t mu_t g_t with
 * mu = argmin_{mu >= 0} |g0 + G^T mu|^2 (Moreau), by Lawson-Hanson's active set on the Gram
 * matrix. Face systems K_P z = -a_P are solved on unit-normalised rows (Cholesky, else the
 * pseudo-inverse: the system is consistent, a_P being in the range of K_P); the entering test is
 * relative to |g_t| times the sum of the update's summands' norms.
 */
export function coneProjection(K: ArrayLike<number>, T: number, a: Float64Array, m: Float64Array): Float64Array {
  const mu = new Float64Array(T), z = new Float64Array(T), grad = new Float64Array(T);
  const inP = new Uint8Array(T);
  const tol = 64 * T * Number.EPSILON;
  for (let it = 0; it < 3 * T + 20; it++) {
    let D = 0;
    for (let i = 0; i < T; i++) {
      let r = a[i];
      for (let j = 0; j < T; j++) r += K[i * T + j] * mu[j];
      grad[i] = r;
      D += (1 / T + mu[i]) * m[i];
    }
    let enter = -1, worst = tol;
    for (let i = 0; i < T; i++) {
      if (inP[i] || !(m[i] > 0)) continue;
      const v = -grad[i] / (m[i] * D);
      if (v > worst) { worst = v; enter = i; }
    }
    if (enter < 0) break;
    inP[enter] = 1;
    for (let inner = 0; inner <= T; inner++) {
      const P: number[] = [];
      for (let i = 0; i < T; i++) if (inP[i]) P.push(i);
      const n = P.length;
      const U = new Float64Array(n * n), rhs = new Float64Array(n), c = new Float64Array(n), L = new Float64Array(n * n);
      for (let r = 0; r < n; r++) {
        rhs[r] = -a[P[r]] / m[P[r]];
        for (let q = 0; q < n; q++) U[r * n + q] = K[P[r] * T + P[q]] / (m[P[r]] * m[P[q]]);
      }
      if (cholesky(U, n, L, n * 1e-14)) choleskySolve(L, n, rhs, c);
      else pinvSolveSym(U, n, rhs, c, 1e-14);
      z.fill(0);
      let positive = true;
      for (let r = 0; r < n; r++) { z[P[r]] = c[r] / m[P[r]]; if (!(z[P[r]] > 0)) positive = false; }
      if (positive) { mu.set(z); break; }
      let theta = Infinity, leave = -1;
      for (const i of P) {
        if (z[i] > 0) continue;
        const th = mu[i] > 0 ? mu[i] / (mu[i] - z[i]) : 0;
        if (th < theta) { theta = th; leave = i; }
      }
      for (const i of P) mu[i] += theta * (z[i] - mu[i]);
      mu[leave] = 0;
      for (const i of P) if (!(mu[i] > 0)) { mu[i] = 0; inP[i] = 0; }
      if (leave === enter && theta === 0) return mu;
    }
  }
  return mu;
}

/**
 * CAGrad's optimality conditions at (w, d = sum_t u_t g_t), re-measured on K, cc = c |g0|.
 * F is convex and cc |g_w| has the subgradients cc v, |v| <= 1, <v, g_w> = |g_w|, so w is
 * optimal iff d = g0 + cc v for such a v and <g_t, d> >= <g_w, d> for every t, with equality
 * where w_t > 0 (then min_t <g_t, d> = F(w): d is the optimal update too). Measured as
 * - simplex feasibility of w: max(-min_t w_t, |sum_t w_t - 1|), absolute, <= SIMPLEX_TOL;
 * - ball: (|e|^2 - cc^2)^+ / (cc^2 + E^2), e = d - g0;
 * - alignment: |<g_w, e>^2 - cc^2 |g_w|^2| / ((s E)^2 + (cc s)^2), and <g_w, e> >= 0;
 * - stationarity: max_t (<g_w, d> - <g_t, d>)^+ / ((m_t + s) D);
 * - complementary slackness: max over w_t > 0 of |<g_t, d> - <g_w, d>| / ((m_t + s) D);
 * with m_t = |g_t|, s = sum_t w_t m_t, E = sum_t |u_t - 1/T| m_t, D = sum_t |u_t| m_t: each
 * denominator is the size of the products the residual is summed from, so every residual is
 * relative to its own rounding scale, each <= CAGRAD_TOL. No square root of a Gram form is
 * taken: |g_w| near 0 is known to sqrt(eps) only, its square to eps.
 */
export function cagradKkt(K: ArrayLike<number>, T: number, cc: number, w: ArrayLike<number>, u: ArrayLike<number>): Certificate {
  const m = rowNorms(K, T);
  const b = 1 / T;
  let neg = 0, sum = 0, s = 0, D = 0, E = 0, q = 0, e2 = 0, P = 0, mean = 0;
  const gd = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    neg = Math.max(neg, -w[i]);
    sum += w[i];
    s += Math.abs(w[i]) * m[i];
    D += Math.abs(u[i]) * m[i];
    E += Math.abs(u[i] - b) * m[i];
    let r = 0, re = 0, rw = 0;
    for (let j = 0; j < T; j++) {
      const k = K[i * T + j];
      r += k * u[j];
      re += k * (u[j] - b);
      rw += k * w[j];
    }
    gd[i] = r;
    e2 += (u[i] - b) * re;
    q += w[i] * rw;
    P += w[i] * re;
    mean += w[i] * r;
  }
  let stat = 0, slack = 0;
  for (let t = 0; t < T; t++) {
    const scale = (m[t] + s) * D;
    stat = Math.max(stat, relative(Math.max(mean - gd[t], 0), scale));
    if (w[t] > 0) slack = Math.max(slack, relative(Math.abs(gd[t] - mean), scale));
  }
  const ball = relative(Math.max(e2 - cc * cc, 0), cc * cc + E * E);
  const align = Math.max(
    relative(Math.abs(P * P - cc * cc * Math.max(q, 0)), (s * E) ** 2 + (cc * s) ** 2),
    relative(Math.max(-P, 0), s * E),
  );
  return certificate('CAGrad: min over the simplex of <g_w, g0> + c |g0| |g_w| (KKT with a subgradient of |g_w|)', [
    condition('simplex feasibility', Math.max(neg, Math.abs(sum - 1)), SIMPLEX_TOL),
    condition('ball |d - g0| <= c |g0|', ball, CAGRAD_TOL),
    condition('alignment d - g0 = c |g0| g_w / |g_w|', align, CAGRAD_TOL),
    condition('stationarity', stat, CAGRAD_TOL),
    condition('complementary slackness', slack, CAGRAD_TOL),
  ], Array.from(w));
}
