/**
 * IMTL: impartial multi-task learning (Liu et al., ICLR 2021).
 *
 * IMTL-G (variant 'g', default; the gradient part, closed form): find alpha with
 * sum_t alpha_t = 1 such that d = sum_t alpha_t g_t has equal projections on every unit
 * gradient u_t = g_t / |g_t|:
 *
 *   D = [g_1 - g_2, ..., g_1 - g_T],  U = [u_1 - u_2, ..., u_1 - u_T]   (rows)
 *   alpha_{2:T} = g_1 U^T (D U^T)^{-1},  alpha_1 = 1 - sum_{t>=2} alpha_t
 *
 * solved on the Gram matrix ((D U^T) and g_1 U^T are inner products, taken through cosines)
 * by an SVD with its columns scaled to unit-vector size, where the rank is decided
 * (`imtlgWeights`). A singular D U^T (collinear gradients, T > d + 1) gives the minimum-norm
 * least-squares alpha_{2:T} of the documented system, and a note with the rank. Zero-norm tasks
 * have no unit direction: they are left out (alpha = 0). Each combine certifies its answer
 * (`certifyImtl`): equal projections and sum alpha = 1, or, when singular, the normal equations
 * and minimality of the norm.
 *
 * IMTL-L (variant 'l', kind 'loss'): learnable s_t, scaled loss e^{s_t} L_t - s_t, so the loss
 * weights are e^{s_t} and d/ds_t = e^{s_t} L_t - 1 (optimum: every scaled loss equals 1). The
 * balancer owns s and takes one Adam step (lr) per call from that derivative, after returning
 * the weights at the current s.
 *
 * Hybrid (variant 'hybrid', kind 'both'): IMTL-L weights applied to the rows (the same as
 * weighting the losses before the per-task backwards), then IMTL-G on the weighted rows. The
 * trainer passes the UNWEIGHTED per-task gradients and ctx.losses.
 *
 * Modes: param and rep (the paper applies IMTL-G to the shared-representation gradients).
 */
import type { BalanceContext, BalancerInfo, BalancerState, Certificate, CertificateCondition, Grad } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { lstsqMinNorm, svdJacobi } from '../solvers/lstsq.ts';
import { BaseBalancer, ScalarAdam, checkState, isNum, numArray, oneOf, requireLosses, resolveOptions, type OptionsSpec } from './common.ts';

export const imtlOptions: OptionsSpec = {
  variant: { default: 'g', check: oneOf('g', 'l', 'hybrid'), doc: "'g' (IMTL-G), 'l' (IMTL-L loss scaling) or 'hybrid' (both, the paper's IMTL)" },
  lr: { default: 1e-3, check: isNum(0, 10), doc: 'Adam learning rate of the IMTL-L scales s_t' },
};

/**
 * Rank threshold of IMTL-G's scaled system, times max(m, n) eps max(1, sigma_max): its entries
 * are differences of cosines taken from K, which a Gram matrix of long rows knows only to a few
 * hundred eps, so a smaller singular value is indistinguishable from 0.
 */
export const IMTL_RANK_FACTOR = 256;
/** Tolerance of the relative residuals of IMTL-G's certificate. */
export const IMTL_TOL = 1e-9;
const EPS = 2.220446049250313e-16;

/** The documented system in alpha_{2:m}, column-scaled by 1 / (n_ref + n_c) (see `imtlgWeights`). */
interface ImtlSystem {
  /** Live tasks, reference first. */
  order: number[];
  n: number;
  /** M (n x n) and rhs of M x = rhs, x = alpha over order[1..]. */
  M: Float64Array;
  rhs: Float64Array;
  colScale: Float64Array;
  tol: number;
}

function imtlSystem(K: ArrayLike<number>, T: number, order: number[]): ImtlSystem {
  const m = order.length, n = m - 1;
  const nt = order.map((t) => Math.sqrt(K[t * T + t]));
  const cos = (p: number, q: number): number => (p === q ? 1 : K[order[p] * T + order[q]] / (nt[p] * nt[q]));
  const M = new Float64Array(n * n), rhs = new Float64Array(n), colScale = new Float64Array(n);
  for (let c = 0; c < n; c++) colScale[c] = 1 / (nt[0] + nt[c + 1]);
  for (let r = 0; r < n; r++) {
    // <u_0 - u_r, g_0> and <u_0 - u_r, g_0 - g_c> through cosines: no norm is squared.
    rhs[r] = nt[0] * (1 - cos(r + 1, 0));
    for (let c = 0; c < n; c++) {
      M[r * n + c] = nt[0] * (1 - cos(r + 1, 0)) - nt[c + 1] * (cos(0, c + 1) - cos(r + 1, c + 1));
    }
  }
  // sigma_max of the scaled matrix is at most its Frobenius norm; the threshold uses the latter
  // bound's scale only through max(1, .), where 1 is the scale of the unit-vector data.
  let fro = 0;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) fro += (M[r * n + c] * colScale[c]) ** 2;
  const tol = IMTL_RANK_FACTOR * n * EPS * Math.max(1, Math.sqrt(fro));
  return { order, n, M, rhs, colScale, tol };
}

export interface ImtlgReport {
  /** Numerical rank of the scaled system and its size m - 1 (m live tasks). */
  rank: number;
  size: number;
  note: string | null;
}

/**
 * Live tasks with the shortest first: the order in which IMTL-G's rank is decided. With a long
 * task 1 every scaled column (g_1 - g_c) / (n_1 + n_c) leans towards u_1, so the scaled system
 * has singular values of the order of the norm ratio even when the directions are independent
 * (norms 1e6 and 1e-6 pass for rank deficient). With the shortest first, n_c / (n_1 + n_c) is
 * in [1/2, 1): the columns are within a small factor of an independent basis, and the rank
 * (which does not depend on the reference task) is decided in the directions' own numbers.
 */
function rankOrder(K: ArrayLike<number>, T: number, idx: number[]): number[] {
  let small = 0;
  for (let p = 1; p < idx.length; p++) if (K[idx[p] * T + idx[p]] < K[idx[small] * T + idx[small]]) small = p;
  return [idx[small], ...idx.filter((_, p) => p !== small)];
}

/**
 * IMTL-G weights alpha from the Gram matrix K (T x T). The system M x = rhs is column-scaled
 * to unit-vector size, M_rc / (n_1 + n_c) = <u_1 - u_r, (g_1 - g_c) / (n_1 + n_c)>, entries at
 * most 2 whatever the norms. Its rank is decided with the smallest-norm task as task 1
 * (`rankOrder`; threshold `IMTL_RANK_FACTOR`). Full rank: the solution is unique and is that
 * system's, where alpha_ref = 1 - sum(others) does not cancel when the norms are spread. Rank
 * deficient: the documented answer, the minimum-norm least-squares x = alpha_{2:m} of the
 * paper's system (task 1 = the first live task) truncated to that rank (solvers/lstsq.ts),
 * with a note.
 */
export function imtlgWeights(K: ArrayLike<number>, T: number, alpha: Float64Array): ImtlgReport {
  alpha.fill(0, 0, T);
  const idx: number[] = [];
  for (let t = 0; t < T; t++) if (K[t * T + t] > 0) idx.push(t);
  const m = idx.length;
  if (m === 0) return { rank: 0, size: 0, note: 'all gradients are zero: the update is 0 for any alpha' };
  if (m === 1) { alpha[idx[0]] = 1; return { rank: 0, size: 0, note: null }; }
  // Rank and (when unique) the solution on the system with the shortest task as reference;
  // the documented system in alpha_{2:T} only when the answer is not unique.
  let sys = imtlSystem(K, T, rankOrder(K, T, idx));
  const x = new Float64Array(m - 1);
  const rep = lstsqMinNorm(sys.M, sys.n, sys.n, sys.rhs, x, { colScale: sys.colScale, tol: sys.tol });
  const rank = rep.rank, decisionTol = sys.tol;
  if (rank < m - 1) {
    sys = imtlSystem(K, T, idx);
    lstsqMinNorm(sys.M, sys.n, sys.n, sys.rhs, x, { colScale: sys.colScale, rank });
  }
  let s = 0;
  for (let r = 0; r < m - 1; r++) { alpha[sys.order[r + 1]] = x[r]; s += x[r]; }
  alpha[sys.order[0]] = 1 - s;
  const note = rank < m - 1
    ? `singular D U^T: numerical rank ${rank} of ${m - 1} (singular values of the scaled system up to ${rep.sigmaMaxDropped.toExponential(2)} dropped, threshold ${decisionTol.toExponential(2)}; shortest task as reference): minimum-norm least-squares alpha_{2:T}`
    : null;
  return { rank, size: m - 1, note };
}

/**
 * IMTL-G's certificate from K (diag(lossWeights) K diag(lossWeights) for 'hybrid'), the
 * reported weights and the options. Always: alpha = 0 on zero-norm tasks and sum alpha = 1.
 * Full rank: equal projections, max_t |<d, u_t> - <d, u_1>| / sum_t |alpha_t| |g_t|. Rank
 * deficient (same rank decision as the solver, and the paper's system truncated to that rank
 * as the solver does): the normal-equation residual of the truncated scaled
 * least-squares problem, |Ms^T (Ms y - rhs)| / (s (s |y| + |rhs|)) with s = max(1, |Ms|_F),
 * and minimality, |projection of x onto the numerical null space| / |x|. Tolerance IMTL_TOL.
 */
export function certifyImtl(
  K0: Float64Array, T: number, info: BalancerInfo, options: Readonly<Record<string, unknown>>, _ctx: BalanceContext,
): Certificate {
  const problem = 'IMTL-G: sum alpha = 1 and equal projections <d, u_t>; minimum-norm least squares in alpha_{2:T} when singular';
  if (options.variant === 'l') return { problem: 'IMTL-L: closed-form loss weights, no problem solved', status: 'optimal', conditions: [], ok: true };
  const conditions: CertificateCondition[] = [];
  const add = (name: string, residual: number): void => {
    conditions.push({ name, residual, tol: IMTL_TOL, ok: residual <= IMTL_TOL });
  };
  const w = info.weights, lw = options.variant === 'hybrid' ? info.lossWeights : null;
  if (!w || (options.variant === 'hybrid' && !lw)) {
    conditions.push({ name: 'weights (and lossWeights for hybrid) reported', residual: Infinity, tol: IMTL_TOL, ok: false });
    return { problem, status: 'unverified', conditions, ok: false };
  }
  const K = Float64Array.from(K0);
  const alpha = Float64Array.from(w);
  if (lw) {
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) K[i * T + j] *= lw[i] * lw[j];
    for (let t = 0; t < T; t++) alpha[t] = lw[t] !== 0 ? w[t] / lw[t] : 0;
  }
  const idx: number[] = [];
  let dead = 0;
  for (let t = 0; t < T; t++) {
    if (K[t * T + t] > 0) idx.push(t);
    else dead = Math.max(dead, Math.abs(alpha[t]));
  }
  add('alpha = 0 on zero-norm tasks', dead);
  const m = idx.length;
  if (m === 0) return { problem, status: 'optimal', conditions, ok: conditions.every((c) => c.ok) };
  let sum = 0, sumAbs = 0;
  for (const t of idx) { sum += alpha[t]; sumAbs += Math.abs(alpha[t]); }
  add('sum alpha = 1', Math.abs(sum - 1) / Math.max(1, sumAbs));
  const sys = m > 1 ? imtlSystem(K, T, idx) : null;
  const { s: sig, V } = sys ? svdJacobi(scaleCols(sys), sys.n, sys.n) : { s: new Float64Array(0), V: new Float64Array(0) };
  // The solver's rank decision (shortest task as reference), then the documented system's
  // smallest singular values dropped down to that rank.
  let rank = 0;
  if (sys) {
    const dec = imtlSystem(K, T, rankOrder(K, T, idx));
    for (const v of svdJacobi(scaleCols(dec), dec.n, dec.n).s) if (v > dec.tol) rank++;
  }
  const dropped = [...sig.keys()].sort((p, q) => sig[q] - sig[p]).slice(rank);
  if (!sys || dropped.length === 0) {
    const nt = idx.map((t) => Math.sqrt(K[t * T + t]));
    let scale = 0;
    for (let p = 0; p < m; p++) scale += Math.abs(alpha[idx[p]]) * nt[p];
    const proj = idx.map((t, p) => {
      let s = 0;
      for (const q of idx) s += alpha[q] * K[q * T + t];
      return s / nt[p];
    });
    let r = 0;
    for (let p = 1; p < m; p++) r = Math.max(r, Math.abs(proj[p] - proj[0]));
    add('equal projections <d, u_t> (full rank)', scale > 0 ? r / scale : r);
    return { problem, status: conditions.every((c) => c.ok) ? 'optimal' : 'unverified', conditions, ok: conditions.every((c) => c.ok) };
  }
  const n = sys.n, Ms = scaleCols(sys);
  const x = idx.slice(1).map((t) => alpha[t]);
  const y = x.map((v, c) => v / sys.colScale[c]);
  let fro = 0, yn = 0, bn = 0;
  for (let i = 0; i < n * n; i++) fro += Ms[i] * Ms[i];
  for (let c = 0; c < n; c++) { yn += y[c] * y[c]; bn += sys.rhs[c] * sys.rhs[c]; }
  const sc = Math.max(1, Math.sqrt(fro));
  const res = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let v = -sys.rhs[r];
    for (let c = 0; c < n; c++) v += Ms[r * n + c] * y[c];
    res[r] = v;
  }
  let ne = 0;
  for (let c = 0; c < n; c++) {
    let v = 0;
    for (let r = 0; r < n; r++) v += Ms[r * n + c] * res[r];
    ne += v * v;
  }
  const den = sc * (sc * Math.sqrt(yn) + Math.sqrt(bn));
  add(`least-squares normal equations (rank ${n - dropped.length} of ${n})`, den > 0 ? Math.sqrt(ne) / den : Math.sqrt(ne));
  // Null space of the truncated original M: diag(colScale) V_j for the dropped j.
  const N = dropped.map((j) => Float64Array.from({ length: n }, (_, k) => sys.colScale[k] * V[k * n + j]));
  const xp = Float64Array.from(x);
  const lsq = new Float64Array(N.length);
  const Nm = new Float64Array(n * N.length);
  for (let k = 0; k < n; k++) for (let a = 0; a < N.length; a++) Nm[k * N.length + a] = N[a][k];
  lstsqMinNorm(Nm, n, N.length, xp, lsq);
  let pn = 0, xn = 0;
  for (let k = 0; k < n; k++) {
    let v = 0;
    for (let a = 0; a < N.length; a++) v += Nm[k * N.length + a] * lsq[a];
    pn += v * v;
    xn += x[k] * x[k];
  }
  add('minimum norm: alpha_{2:T} orthogonal to the numerical null space', xn > 0 ? Math.sqrt(pn / xn) : 0);
  const ok = conditions.every((c) => c.ok);
  return { problem, status: ok ? 'optimal' : 'unverified', conditions, ok };
}

function scaleCols(sys: ImtlSystem): Float64Array {
  const n = sys.n, out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out[r * n + c] = sys.M[r * n + c] * sys.colScale[c];
  return out;
}

export class IMTL extends BaseBalancer {
  readonly id = 'imtl';
  readonly kind: 'gradient' | 'loss' | 'both';
  readonly modes = ['param', 'rep'] as const;
  override readonly needsLosses: boolean;
  private s = new Float64Array(0);
  private adam: ScalarAdam | null = null;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('imtl', imtlOptions, options));
    const v = this.options.variant;
    this.kind = v === 'g' ? 'gradient' : v === 'l' ? 'loss' : 'both';
    this.needsLosses = v !== 'g';
  }

  lossWeights(losses: ArrayLike<number>, ctx: BalanceContext): Float64Array {
    const T = losses.length;
    const L = requireLosses('imtl', { ...ctx, losses }, T);
    if (this.s.length !== T) {
      this.s = new Float64Array(T);
      this.adam = new ScalarAdam(T, this.options.lr as number);
    }
    const w = new Float64Array(T), g = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      w[t] = Math.exp(this.s[t]);
      g[t] = w[t] * L[t] - 1;
    }
    this.adam!.step(this.s, g);
    return w;
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const v = this.options.variant;
    const w = this.infoArray('weights', T);
    let lw: Float64Array | null = null;
    if (v !== 'g') {
      lw = this.lossWeights(requireLosses('imtl', ctx, T), ctx);
      this.infoArray('lossWeights', T).set(lw);
    }
    if (v === 'l') {
      this.info!.certificate = null;
      w.set(lw!);
      weightedRowSum(G, T, d, w, out);
      return;
    }
    const K = this.gramChecked(G, T, d);
    const Kw = lw ? Float64Array.from(K) : K;
    if (lw) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) Kw[i * T + j] *= lw[i] * lw[j];
    const rep = imtlgWeights(Kw, T, w);
    if (rep.note) this.note(ctx, rep.note);
    if (lw) for (let t = 0; t < T; t++) w[t] *= lw[t];
    weightedRowSum(G, T, d, w, out);
    const info = this.info!;
    info.certificate = certifyImtl(K, T, info, this.options, ctx);
    if (!info.certificate.ok) {
      const bad = info.certificate.conditions.filter((c) => !c.ok).map((c) => `${c.name} ${c.residual.toExponential(2)} > ${c.tol}`);
      this.note(ctx, `certificate not verified: ${bad.join('; ')}`);
    }
  }

  override reset(): void {
    this.s = new Float64Array(0);
    this.adam = null;
  }

  override getState(): BalancerState {
    return { id: this.id, version: 1, s: Array.from(this.s), adam: this.adam?.getState() ?? null };
  }

  override setState(state: BalancerState): void {
    checkState(this.id, state);
    const s = numArray(this.id, state.s ?? [], 's');
    this.reset();
    if (s.length === 0) return;
    this.s = Float64Array.from(s);
    this.adam = new ScalarAdam(s.length, this.options.lr as number);
    if (state.adam) this.adam.setState(this.id, state.adam);
  }
}
