/**
 * The min-norm point of the convex hull of T vectors, given only their Gram matrix K:
 *
 *   alpha* = argmin_{alpha in simplex} alpha^T K alpha
 *   KKT: (K alpha)_t >= alpha^T K alpha for every t, with equality where alpha_t > 0.
 *
 * `minNormPoint` is Wolfe's (1976) active-set algorithm, finite and exact. It is scale-invariant
 * by construction, so row norms spread over 1e12 lose nothing:
 * - every linear solve is done on the rows normalised to unit length (U = K_ij / (m_i m_j),
 *   m_t = |g_t|), with the unknowns c_t = m_t alpha_t; the answer is mapped back exactly;
 * - every test is relative to the rounding scale of the quantity it compares: a violation
 *   nu - (K alpha)_t is measured against s (m_t + s), s = sum_j alpha_j m_j (the sum of the
 *   summands' norms, which bounds every product the residual is made of).
 * `minNormKkt` re-measures the KKT conditions of any alpha in exactly that measure; it is what
 * MGDA's certificate reports. `minNormFrankWolfe` is Sener and Koltun's solver, kept to
 * reproduce their code; it stops on a step size and is not exact.
 */
import type { Certificate, CertificateCondition } from '../balancer.ts';
import { luSolve, pinvSolveSym } from '../linalg.ts';

export interface MinNormReport {
  iterations: number;
  converged: boolean;
}

/** KKT residuals of a min-norm answer must be below this, relative (see `minNormKkt`). */
export const MIN_NORM_TOL = 1e-9;
/** Simplex feasibility (alpha >= 0, sum 1) is absolute: alpha is dimensionless. */
export const SIMPLEX_TOL = 1e-12;

/** Row norms sqrt(K_tt) (0 for a zero row). */
export function rowNorms(K: ArrayLike<number>, T: number): Float64Array {
  const m = new Float64Array(T);
  for (let t = 0; t < T; t++) m[t] = Math.sqrt(Math.max(K[t * T + t], 0));
  return m;
}

/**
 * Solves the equality-constrained system of a face S of the simplex, on the Gram matrix:
 *   sum_{j in S} K_ij w_j - nu = top_i  (i in S),   sum_{j in S} w_j = bottom
 * (with top = 0, bottom = 1 it is the affine min-norm point of the rows in S). It is solved in
 * the variables c_j = m_j w_j, row i divided by m_i, so the matrix is the unit-diagonal Gram of
 * the normalised rows bordered by rho_i = min_j m_j / m_i in (0, 1]: every entry is O(1)
 * whatever the norms. Partial-pivoting LU, which is backward stable; if a pivot vanishes (the
 * rows of S are affinely dependent) the pseudo-inverse of the symmetric bordered matrix.
 * Writes w[S[a]] and returns nu.
 */
export function solveFace(K: ArrayLike<number>, T: number, S: readonly number[], m: ArrayLike<number>, top: ArrayLike<number> | null, bottom: number, w: Float64Array): number {
  const k = S.length, n = k + 1;
  const sig = S.map((i) => (m[i] > 0 ? m[i] : 1));
  let tau = 0;
  for (const s of sig) tau = Math.max(tau, 1 / s);
  const A = new Float64Array(n * n), rhs = new Float64Array(n), x = new Float64Array(n);
  for (let a = 0; a < k; a++) {
    const i = S[a];
    for (let b = 0; b < k; b++) A[a * n + b] = K[i * T + S[b]] / (sig[a] * sig[b]);
    const rho = 1 / sig[a] / tau;
    A[a * n + k] = rho;
    A[k * n + a] = rho;
    rhs[a] = top ? top[a] / sig[a] : 0;
  }
  rhs[k] = bottom / tau;
  if (!luSolve(A, n, rhs, x, n * Number.EPSILON)) pinvSolveSym(A, n, rhs, x, 1e-14);
  for (let a = 0; a < k; a++) w[S[a]] = x[a] / sig[a];
  // The border column carries -nu * tau (the scaled multiplier of the sum constraint).
  return -x[k] * tau;
}

/**
 * Wolfe's active-set algorithm for the min-norm point (see the file comment). A zero row puts
 * all weight on itself (0 is in the hull). Each major step takes the vertex with the largest
 * relative violation (or, when the active set itself is off its affine minimiser, no new one)
 * and runs the minor cycle: solve the face, move towards its minimiser until a weight reaches 0,
 * drop it, repeat. Only a step that lowers alpha^T K alpha (measured as the change
 * 2 delta^T K alpha + delta^T K delta, exact for small steps) is kept. On nearly coincident
 * rows the face system can be too ill-conditioned to trust; a rejected step is replaced by the
 * best pairwise step (weight moved from one active vertex to the entering one, exact line
 * search), which always descends. `converged` is false when it stops on the iteration cap or
 * when no step descends; `minNormKkt` then says how far from optimal the answer is.
 */
export function minNormPoint(K: ArrayLike<number>, T: number, alpha: Float64Array, maxIter = 50 * T + 50): MinNormReport {
  alpha.fill(0, 0, T);
  const m = rowNorms(K, T);
  for (let t = 0; t < T; t++) {
    if (!(m[t] > 0)) { alpha[t] = 1; return { iterations: 0, converged: true }; }
  }
  let j0 = 0;
  for (let t = 1; t < T; t++) if (m[t] < m[j0]) j0 = t;
  alpha[j0] = 1;
  let S = [j0];
  const Ka = new Float64Array(T), cand = new Float64Array(T), best = new Float64Array(T);
  // A few ulps of the T products in each comparison: below this a violation is rounding.
  const tol = 64 * T * Number.EPSILON;
  // The answer returned when it stops without converging: the iterate with the smallest
  // relative KKT residual (on nearly coincident rows the steps can trade noise for noise).
  let bestViolation = Infinity;
  const done = (iterations: number): MinNormReport => {
    alpha.set(best);
    return { iterations, converged: false };
  };
  for (let it = 0; it < maxIter; it++) {
    let nu = 0, s = 0;
    for (let i = 0; i < T; i++) {
      let r = 0;
      for (const j of S) r += K[i * T + j] * alpha[j];
      Ka[i] = r;
    }
    for (const j of S) { nu += alpha[j] * Ka[j]; s += alpha[j] * m[j]; }
    let enter = -1, worst = tol, slack = 0;
    for (let t = 0; t < T; t++) {
      const v = (nu - Ka[t]) / (s * (m[t] + s));
      if (S.includes(t)) slack = Math.max(slack, Math.abs(v));
      else if (v > worst) { worst = v; enter = t; }
    }
    if (enter < 0 && slack <= tol) return { iterations: it, converged: true };
    const violation = Math.max(worst, slack);
    if (violation < bestViolation) { bestViolation = violation; best.set(alpha.subarray(0, T)); }
    const face = enter < 0 ? S : [...S, enter];
    cand.set(alpha.subarray(0, T));
    const next = minorCycle(K, T, m, face, enter, cand);
    // A face solution is kept unless it is clearly worse: its objective may differ from the
    // current one by rounding only (a flat face of dependent rows), and it is the exact point.
    if (next && decrease(K, T, Ka, alpha, cand) <= tol * s * s) {
      alpha.set(cand);
      S = next;
      continue;
    }
    const moved = pairwiseStep(K, T, Ka, S, enter, alpha);
    if (!moved) return done(it + 1);
    S = [];
    for (let i = 0; i < T; i++) if (alpha[i] > 0) S.push(i);
  }
  return done(maxIter);
}

/**
 * Wolfe's minor cycle on `face` from the feasible alpha (modified in place). Returns the new
 * active set, or null when the entering vertex is dropped at once (the face system is not to
 * be trusted: in exact arithmetic it always gets a positive weight).
 */
function minorCycle(K: ArrayLike<number>, T: number, m: Float64Array, face: number[], enter: number, alpha: Float64Array): number[] | null {
  const y = new Float64Array(T);
  let S = face;
  for (let minor = 0; minor <= T; minor++) {
    solveFace(K, T, S, m, null, 1, y);
    let interior = true;
    for (const i of S) if (!(y[i] > 0) || !Number.isFinite(y[i])) interior = false;
    if (interior) {
      for (const i of S) alpha[i] = y[i];
      renormalise(alpha, S);
      return S;
    }
    // Move from alpha towards y until the first weight reaches 0; drop it.
    let theta = Infinity, leave = -1;
    for (const i of S) {
      if (y[i] > 0) continue;
      const th = alpha[i] > 0 ? alpha[i] / (alpha[i] - y[i]) : 0;
      if (th < theta) { theta = th; leave = i; }
    }
    if (leave < 0 || (leave === enter && theta === 0)) return null;
    for (const i of S) alpha[i] += theta * (y[i] - alpha[i]);
    alpha[leave] = 0;
    S = S.filter((i) => alpha[i] > 0);
    for (let i = 0; i < T; i++) if (!S.includes(i)) alpha[i] = 0;
    if (S.length === 0) return null;
  }
  return null;
}

/** q(b) - q(a) for q(x) = x^T K x, as 2 delta^T K a + delta^T K delta (Ka = K a given). */
function decrease(K: ArrayLike<number>, T: number, Ka: Float64Array, a: Float64Array, b: Float64Array): number {
  let lin = 0, quad = 0;
  for (let i = 0; i < T; i++) {
    const di = b[i] - a[i];
    if (di === 0) continue;
    lin += di * Ka[i];
    let r = 0;
    for (let j = 0; j < T; j++) r += K[i * T + j] * (b[j] - a[j]);
    quad += di * r;
  }
  return 2 * lin + quad;
}

/**
 * The best step that moves weight from one active vertex a to vertex j (the entering one, or
 * the active vertex with the smallest (K alpha)_j when none enters), by exact line search capped
 * at alpha_a. Returns false when no such step descends.
 */
function pairwiseStep(K: ArrayLike<number>, T: number, Ka: Float64Array, S: readonly number[], enter: number, alpha: Float64Array): boolean {
  let j = enter;
  if (j < 0) for (const i of S) if (j < 0 || Ka[i] < Ka[j]) j = i;
  let best = 0, bestA = -1, bestT = 0;
  for (const a of S) {
    if (a === j) continue;
    const slope = Ka[j] - Ka[a];
    if (!(slope < 0)) continue;
    const curv = K[j * T + j] + K[a * T + a] - 2 * K[j * T + a];
    const t = curv > 0 ? Math.min(alpha[a], -slope / curv) : alpha[a];
    const change = 2 * t * slope + t * t * Math.max(curv, 0);
    if (change < best) { best = change; bestA = a; bestT = t; }
  }
  if (bestA < 0) return false;
  if (bestT >= alpha[bestA]) { alpha[j] += alpha[bestA]; alpha[bestA] = 0; }
  else { alpha[j] += bestT; alpha[bestA] -= bestT; }
  return true;
}

function renormalise(alpha: Float64Array, S: readonly number[]): void {
  let sum = 0;
  for (const i of S) sum += alpha[i];
  if (sum > 0) for (const i of S) alpha[i] /= sum;
}

/**
 * The KKT conditions of alpha for min_{alpha in simplex} alpha^T K alpha, re-measured:
 * - simplex feasibility: max(-min_t alpha_t, |sum_t alpha_t - 1|), absolute, <= SIMPLEX_TOL;
 * - stationarity: max_t (nu - (K alpha)_t)^+ / (s (m_t + s)), nu = alpha^T K alpha;
 * - complementary slackness: max over alpha_t > 0 of |(K alpha)_t - nu| / (s (m_t + s));
 * with m_t = sqrt(K_tt) and s = sum_t alpha_t m_t, both <= MIN_NORM_TOL (1e-9; typical answers
 * reach 1e-15, rows nearly coincident to 1e-8 rad with T > d about 2e-10). The denominator
 * bounds every product in the residual, so it is the rounding scale of the comparison: a small
 * row is judged against its own norm, not the largest one. (nu - min_t (K alpha)_t is also the
 * Frank-Wolfe duality gap: |x - x*|^2 <= 2 gap for x = sum_t alpha_t g_t.)
 */
export function minNormKkt(K: ArrayLike<number>, T: number, alpha: ArrayLike<number>): Certificate {
  const m = rowNorms(K, T);
  let neg = 0, sum = 0, s = 0, nu = 0;
  const Ka = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    neg = Math.max(neg, -alpha[t]);
    sum += alpha[t];
    s += Math.abs(alpha[t]) * m[t];
    let r = 0;
    for (let j = 0; j < T; j++) r += K[t * T + j] * alpha[j];
    Ka[t] = r;
  }
  for (let t = 0; t < T; t++) nu += alpha[t] * Ka[t];
  let stat = 0, slack = 0;
  for (let t = 0; t < T; t++) {
    const scale = s * (m[t] + s);
    stat = Math.max(stat, relative(Math.max(nu - Ka[t], 0), scale));
    if (alpha[t] > 0) slack = Math.max(slack, relative(Math.abs(Ka[t] - nu), scale));
  }
  return certificate('min-norm point of the convex hull: min alpha^T K alpha over the simplex (Wolfe KKT)', [
    condition('simplex feasibility', Math.max(neg, Math.abs(sum - 1)), SIMPLEX_TOL),
    condition('stationarity', stat, MIN_NORM_TOL),
    condition('complementary slackness', slack, MIN_NORM_TOL),
  ], Array.from(alpha));
}

/** r / scale, with 0 / 0 = 0 (an exact zero residual at a zero scale is no violation). */
export function relative(r: number, scale: number): number {
  if (r === 0) return 0;
  return scale > 0 ? r / scale : Infinity;
}

export function condition(name: string, residual: number, tol: number): CertificateCondition {
  return { name, residual, tol, ok: residual <= tol };
}

export function certificate(problem: string, conditions: CertificateCondition[], multipliers?: number[]): Certificate {
  const ok = conditions.every((c) => c.ok);
  return { problem, status: ok ? 'optimal' : 'unverified', conditions, ok, ...(multipliers ? { multipliers } : {}) };
}

/** The failed conditions of a certificate, for a note. */
export function failedConditions(c: Certificate): string {
  return c.conditions.filter((x) => !x.ok).map((x) => `${x.name} ${x.residual.toExponential(2)} > ${x.tol.toExponential(0)}`).join(', ');
}

/**
 * Sener and Koltun's (2018) Frank-Wolfe min-norm solver, kept to reproduce their code:
 * start from the best pair (closed form for two points), then Frank-Wolfe steps with the exact
 * line search between the iterate and the vertex with the smallest (K alpha)_t; stop when the
 * step changes alpha by less than stopCrit (L1) or after maxIter steps.
 */
export function minNormFrankWolfe(K: ArrayLike<number>, T: number, alpha: Float64Array, maxIter = 250, stopCrit = 1e-5): MinNormReport {
  alpha.fill(0, 0, T);
  if (T === 1) { alpha[0] = 1; return { iterations: 0, converged: true }; }
  let best = Infinity, bi = 0, bj = 1, bg = 0.5;
  for (let i = 0; i < T; i++) {
    for (let j = i + 1; j < T; j++) {
      const [g, c] = minNormLine(K[i * T + i], K[i * T + j], K[j * T + j]);
      if (c < best) { best = c; bi = i; bj = j; bg = g; }
    }
  }
  alpha[bi] = bg;
  alpha[bj] = 1 - bg;
  const Ka = new Float64Array(T);
  for (let it = 0; it < maxIter; it++) {
    for (let i = 0; i < T; i++) {
      let s = 0;
      for (let j = 0; j < T; j++) s += K[i * T + j] * alpha[j];
      Ka[i] = s;
    }
    let t = 0;
    for (let i = 1; i < T; i++) if (Ka[i] < Ka[t]) t = i;
    let v1v1 = 0;
    for (let i = 0; i < T; i++) v1v1 += alpha[i] * Ka[i];
    const [g] = minNormLine(v1v1, Ka[t], K[t * T + t]);
    let change = 0;
    for (let i = 0; i < T; i++) {
      const nv = g * alpha[i] + (1 - g) * (i === t ? 1 : 0);
      change += Math.abs(nv - alpha[i]);
      alpha[i] = nv;
    }
    if (change < stopCrit) return { iterations: it + 1, converged: true };
  }
  return { iterations: maxIter, converged: false };
}

/** min over gamma in [0,1] of |gamma x + (1 - gamma) y|^2 given x.x, x.y, y.y. */
function minNormLine(xx: number, xy: number, yy: number): [number, number] {
  if (xy >= xx) return [1, xx];
  if (xy >= yy) return [0, yy];
  const den = xx + yy - 2 * xy;
  const g = den > 0 ? (yy - xy) / den : 0.5;
  return [g, yy + g * (xy - yy)];
}
