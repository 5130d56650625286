/**
 * gradcraft-exact: GradCraft with a global guarantee against EVERY task (mtlkit's addition).
 *
 * Plain GradCraft projects g^_i onto the constraints of its conflict set C_i only, and the
 * projection can create a new conflict with a task outside C_i. Here, for each i:
 *
 *   minimise |g~_i - g^_i|^2  subject to  <g~_i, g^_j> >= epsilon |g^_i| |g^_j|  for all j != i
 *
 * with g^ the eq. 5 adjusted gradients (`gradcraft`). In unit-row coordinates, u_j = g^_j / |g^_j|
 * and y = g~_i / |g^_i|, this is the projection of u_i onto {y : <y, u_j> >= epsilon}: no norm
 * enters, so the problem is solved in the same numbers whatever the spread of the norms. Its KKT
 * conditions give y = u_i + sum_{j != i} lambda_j u_j with lambda >= 0 solving the NNQP
 *
 *   min_{lambda >= 0} 1/2 lambda^T A lambda - b^T lambda,  A_jk = <u_j, u_k>,  b_j = epsilon - <u_i, u_j>
 *
 * solved as Lawson and Hanson's least-distance problem, one NNLS on the unit rows
 * (solvers/nnqp.ts), which stays exact when the active rows are dependent (T > d). Then
 * g~_i = g^_i + sum_j w_j g^_j with w_j = lambda_j |g^_i| / |g^_j|. When the projection onto
 * C_i creates no new conflict and its multipliers are non-negative this equals GradCraft's eq. 9.
 *
 * Infeasible constraints: with epsilon > 0 they are infeasible exactly when 0 is in the convex
 * hull of the other unit gradients (e.g. two of them opposite); the solver then returns a Farkas
 * witness mu >= 0 with sum_j mu_j u_j = 0 (so sum_j mu_j <y, u_j> = 0 < epsilon sum_j mu_j for
 * every y). That task is then solved with epsilon relaxed to 0 (always feasible: y = 0), and a
 * note says so. When epsilon is tiny (the default 1e-10) the LDP's residual test cannot see the
 * difference from rounding, so a point that misses epsilon is checked again by asking whether 0
 * is in that hull (`craftTask`), to the Gram matrix's resolution (`HULL_RESOLUTION`).
 *
 * Certificate (`certifyGradcraftExact`, re-derived from K, the reported taskCoefs, rowScales
 * and the options): per task, the form g~_i = g^_i + sum_j w_j g^_j (stationarity), w >= 0,
 * every constraint, and complementary slackness, all in unit-row coordinates relative to
 * S_i = 1 + sum_j lambda_j; for an infeasible task, the witness and the relaxed problem's KKT.
 *
 * Magnitude step (eq. 5), epsilon, ablations other than 'local', and eq. 10 are as in
 * `gradcraft`. Modes: param and rep.
 */
import type { BalanceContext, BalancerInfo, Certificate, CertificateCondition, Grad } from '../balancer.ts';
import { BalancerOptionError } from '../balancer.ts';
import { LDP_MAX_DISTANCE, ldp, psdFactor, type LdpReport } from '../solvers/nnqp.ts';
import { GradCraft, gradcraftOptions } from './gradcraft.ts';
import { magnitudeFactors, scaleGram, type OptionsSpec } from './common.ts';

export const gradcraftExactOptions: OptionsSpec = { ...gradcraftOptions };

/** Tolerance of every relative residual of the certificate (unit-row coordinates, over S_i). */
export const GRADCRAFT_EXACT_TOL = 1e-9;
/**
 * A Farkas witness must prove that every y meeting the constraints has |y - u_i| >= 1 / residual
 * with residual = |sum mu_j u_j| / sum_j mu_j (epsilon - <u_i, u_j>) at most this: the solver's
 * own threshold (LDP_MAX_DISTANCE), with room for K's rounding.
 */
export const WITNESS_TOL = 2 / LDP_MAX_DISTANCE;

export interface CraftSolve {
  /** Unit-row multipliers lambda_j (length T; 0 at i and at zero-norm tasks). */
  lambda: Float64Array;
  /** False when the constraints at epsilon are infeasible and epsilon was relaxed to 0. */
  feasible: boolean;
  /** The Farkas witness mu (length T) when infeasible. */
  witness: Float64Array | null;
  report: LdpReport;
}

/**
 * Task i's QP in unit-row coordinates from the adjusted Gram Kh (see the file comment). The
 * unit Gram of u_i and the others is factored once (psdFactor), so u_i and the constraint rows
 * are explicit vectors of ONE geometry: a Gram matrix whose rounding makes it slightly
 * inconsistent (rows 1e-8 rad from opposite) cannot then turn epsilon = 0 infeasible.
 */
export function craftTask(Kh: ArrayLike<number>, T: number, i: number, eps: number): CraftSolve {
  const nh = Array.from({ length: T }, (_, t) => Math.sqrt(Math.max(Kh[t * T + t], 0)));
  const live = [i];
  for (let j = 0; j < T; j++) if (j !== i && nh[j] > 0) live.push(j);
  const m = live.length, n = m - 1;
  const Ku = new Float64Array(m * m);
  for (let p = 0; p < m; p++) {
    for (let q = 0; q < m; q++) Ku[p * m + q] = p === q ? 1 : Kh[live[p] * T + live[q]] / (nh[live[p]] * nh[live[q]]);
  }
  const { W } = psdFactor(Ku, m);
  // z = y - u_i: rows w_j (j >= 1) and h_j = eps - <w_i, w_j>.
  const Wo = W.subarray(m, m * m), h = new Float64Array(n), c = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += W[k] * Wo[a * m + k];
    c[a] = s;
    h[a] = eps - s;
  }
  const lam = new Float64Array(n), v = new Float64Array(n);
  let report = ldp(Wo, h, n, m, lam, v, 1);
  let witness: Float64Array | null = null;
  if (report.status === 'feasible' && eps > 0 && !meetsConstraints(W, m, lam, eps)) {
    // The LDP's point misses epsilon: its residual test cannot tell "0 is in the hull of the
    // other directions" (no y at all) from rounding when epsilon is tiny (1e-10 against rows of
    // length 1). Ask directly: <y, u_j> >= 1 for all j is infeasible exactly when 0 is in that
    // hull, and its witness mu (sum mu = 1) gives rho = |sum mu_j u_j| >= that hull's distance
    // from 0; every y meeting epsilon then has |y| >= epsilon / rho. Infeasible: rho below
    // epsilon / LDP_MAX_DISTANCE (the LDP's own definition), or below HULL_RESOLUTION, where
    // "0 is in the hull" is all the Gram matrix can say. Otherwise the LDP's point stands and
    // the certificate judges it.
    const ones = new Float64Array(n).fill(1), lp = new Float64Array(n), vp = new Float64Array(n);
    if (ldp(Wo, ones, n, m, lp, vp, 1).status === 'infeasible' && hullGap(Wo, m, vp) <= Math.max(eps / LDP_MAX_DISTANCE, HULL_RESOLUTION)) {
      report = { ...report, status: 'infeasible' };
      v.set(vp);
    }
  }
  if (report.status === 'infeasible') {
    witness = new Float64Array(T);
    for (let a = 0; a < n; a++) witness[live[a + 1]] = v[a];
    for (let a = 0; a < n; a++) h[a] = -c[a];
    report = ldp(Wo, h, n, m, lam, v, 1);
  }
  const lambda = new Float64Array(T);
  for (let a = 0; a < n; a++) lambda[live[a + 1]] = lam[a];
  return { lambda, feasible: witness === null, witness, report };
}

const EPS = 2.220446049250313e-16;
/**
 * How close to 0 the hull of unit directions can be placed from their Gram matrix: the factor
 * of a rank-deficient Gram (T > d) carries rounding of order sqrt(eps) in its extra dimensions
 * (the same limit that makes rows within about 1e-8 rad look collinear), so an exact zero of the
 * hull shows as about 5e-9. Below this, 0 is taken to be in the hull.
 */
const HULL_RESOLUTION = 8 * Math.sqrt(EPS);

/** |sum_a mu_a w_a| / sum_a mu_a for rows w_a of Wo (n x m) and mu >= 0. */
function hullGap(Wo: Float64Array, m: number, mu: Float64Array): number {
  const p = new Float64Array(m);
  let s = 0;
  for (let a = 0; a < mu.length; a++) {
    s += mu[a];
    for (let k = 0; k < m; k++) p[k] += mu[a] * Wo[a * m + k];
  }
  let q = 0;
  for (let k = 0; k < m; k++) q += p[k] * p[k];
  return s > 0 ? Math.sqrt(q) / s : Infinity;
}

/**
 * Whether y = u_i + sum_a lambda_a w_a (rows of W: u_i, then the constraint rows) meets every
 * <y, w_a> >= eps to within 1e-3 eps (+ 64 ulp), with S = 1 + sum lambda below
 * LDP_MAX_DISTANCE. No allowance grows with S: a large S is a point built from cancelling
 * multipliers (typically 0 in the hull and the LDP chasing rounding), exactly what must be
 * questioned. Failing here only triggers the hull test in `craftTask`, which alone decides.
 */
function meetsConstraints(W: Float64Array, m: number, lam: Float64Array, eps: number): boolean {
  const n = m - 1;
  let S = 1;
  for (let a = 0; a < n; a++) S += Math.abs(lam[a]);
  if (!(S <= LDP_MAX_DISTANCE)) return false;
  const y = W.slice(0, m);
  for (let a = 0; a < n; a++) for (let k = 0; k < m; k++) y[k] += lam[a] * W[(a + 1) * m + k];
  for (let a = 0; a < n; a++) {
    let s = 0;
    for (let k = 0; k < m; k++) s += y[k] * W[(a + 1) * m + k];
    if (eps - s > 1e-3 * eps + 64 * EPS) return false;
  }
  return true;
}

export class GradCraftExact extends GradCraft {
  override readonly id: string = 'gradcraft-exact';

  constructor(options: Record<string, unknown> = {}) {
    super(options, gradcraftExactOptions, 'gradcraft-exact');
    if (this.options.ablation === 'local') {
      throw new BalancerOptionError("gradcraft-exact: ablation 'local' replaces the projection; use gradcraft with ablation 'local'");
    }
  }

  protected override run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    super.run(G, T, d, ctx, out);
    const info = this.info!;
    const cert = certifyGradcraftExact(this.K, T, info, this.options, ctx);
    info.certificate = cert;
    if (!cert.ok) {
      const bad = cert.conditions.filter((c) => !c.ok).map((c) => `${c.name} ${c.residual.toExponential(2)} > ${c.tol}`);
      this.note(ctx, `certificate not verified: ${bad.join('; ')}`);
    }
  }

  protected override project(Kh: Float64Array, T: number, C: Float64Array, ctx: BalanceContext): void {
    const eps = this.options.epsilon as number;
    const info = this.info!;
    const f = this.infoField(T);
    f.set(this.f.subarray(0, T));
    C.fill(0, 0, T * T);
    const sets = info.conflictSets;
    for (let i = 0; i < T; i++) {
      C[i * T + i] = 1;
      const ni = Math.sqrt(Kh[i * T + i]);
      if (!(ni > 0)) { if (sets) sets.push([]); continue; }
      const sol = craftTask(Kh, T, i, eps);
      if (!sol.feasible) {
        this.note(ctx, `task ${i}: the constraints <g~_${i}, g^_j> >= ${eps} |g^_${i}||g^_j| are infeasible (0 is in the convex hull of the other adjusted gradients' directions); epsilon relaxed to 0 for this task`);
      }
      if (!sol.report.converged) this.note(ctx, `task ${i}: NNLS stopped at its iteration cap (${sol.report.iterations}); see the certificate`);
      const set: number[] = [];
      for (let j = 0; j < T; j++) {
        const lam = sol.lambda[j];
        if (!(lam > 0)) continue;
        C[i * T + j] += (lam * ni) / Math.sqrt(Kh[j * T + j]);
        set.push(j);
      }
      if (sets) sets.push(set);
    }
  }

  private infoField(T: number): Float64Array {
    const info = this.info!;
    if (!info.rowScales || info.rowScales.length !== T) info.rowScales = new Float64Array(T);
    return info.rowScales;
  }
}

/**
 * The certificate of gradcraft-exact (see the file comment), from the Gram matrix K of the
 * original rows, the reported taskCoefs / weights / rowScales and the resolved options. Every
 * residual is relative (unit-row coordinates over S_i = 1 + sum_j lambda_j) with tolerance
 * GRADCRAFT_EXACT_TOL; witnesses with WITNESS_TOL. Multipliers: the T x T lambda_ij, row-major.
 */
export function certifyGradcraftExact(
  K: Float64Array, T: number, info: BalancerInfo, options: Readonly<Record<string, unknown>>, _ctx: BalanceContext,
): Certificate {
  const problem = 'per task i: min |g~_i - g^_i|^2 s.t. <g~_i, g^_j> >= epsilon |g^_i||g^_j| for all j != i (KKT in unit-row coordinates)';
  const conditions: CertificateCondition[] = [];
  const tol = GRADCRAFT_EXACT_TOL;
  const add = (name: string, residual: number, t = tol): void => {
    conditions.push({ name, residual, tol: t, ok: residual <= t });
  };
  const C = info.taskCoefs;
  let f = info.rowScales ?? null;
  if (!f && !((options.b as number) > 0)) {
    f = new Float64Array(T);
    const mags = Array.from({ length: T }, (_, t) => Math.sqrt(Math.max(K[t * T + t], 0)));
    magnitudeFactors(mags, T, options.tau as number, f);
    for (let t = 0; t < T; t++) if (!(K[t * T + t] > 0)) f[t] = 1;
  }
  if (!C || !f) {
    add(!C ? 'taskCoefs reported' : 'rowScales reported (needed with the norm EMA b > 0)', Infinity);
    return { problem, status: 'unverified', conditions, ok: false };
  }
  const eps = options.epsilon as number;
  const Kh = new Float64Array(T * T);
  scaleGram(K, T, f, Kh);
  const nh = Array.from({ length: T }, (_, t) => Math.sqrt(Math.max(Kh[t * T + t], 0)));
  const cos = (a: number, b: number): number => Kh[a * T + b] / (nh[a] * nh[b]);
  const multipliers = new Array<number>(T * T).fill(0);
  let infeasible = false;
  for (let i = 0; i < T; i++) {
    const chat = (k: number): number => C[i * T + k] / f![k];
    if (!(nh[i] > 0)) {
      let r = Math.abs(chat(i) - 1);
      for (let k = 0; k < T; k++) if (k !== i && nh[k] > 0) r = Math.max(r, Math.abs(chat(k)) * nh[k]);
      add(`task ${i} (zero gradient): g~ = g^ = 0`, r);
      continue;
    }
    // lam over every live k, with lam_i = Chat_ii (1 by stationarity).
    const lam = new Float64Array(T);
    let S = 0;
    for (let k = 0; k < T; k++) {
      if (!(nh[k] > 0)) continue;
      lam[k] = (chat(k) * nh[k]) / nh[i];
      S += Math.abs(lam[k]);
      if (k !== i) multipliers[i * T + k] = lam[k];
    }
    S = Math.max(S, 1);
    add(`task ${i}: stationarity (g~_i = g^_i + sum_j w_j g^_j)`, Math.abs(lam[i] - 1));
    let dual = 0;
    for (let k = 0; k < T; k++) if (k !== i) dual = Math.max(dual, Math.max(0, -lam[k]) / S);
    add(`task ${i}: multipliers >= 0`, dual);
    const slack = (j: number, e: number): number => {
      let s = 0;
      for (let k = 0; k < T; k++) if (lam[k] !== 0) s += lam[k] * cos(k, j);
      return s - e;
    };
    let viol = 0;
    for (let j = 0; j < T; j++) if (j !== i && nh[j] > 0) viol = Math.max(viol, Math.max(0, -slack(j, eps)) / S);
    let e = eps;
    if (viol > tol && eps > 0) {
      // Violated at epsilon: claimed infeasible only with a Farkas witness from an independent solve.
      const sol = craftTask(Kh, T, i, eps);
      if (sol.witness) {
        infeasible = true;
        let q = 0, hm = 0, neg = 0;
        for (let a = 0; a < T; a++) {
          const mu = sol.witness[a];
          if (mu === 0) continue;
          neg = Math.max(neg, -mu);
          hm += mu * (eps - cos(i, a));
          for (let c = 0; c < T; c++) if (sol.witness[c] !== 0) q += mu * sol.witness[c] * cos(a, c);
        }
        add(`task ${i}: Farkas witness mu >= 0, |sum mu_j u_j| / sum mu_j (epsilon - <u_i, u_j>) (infeasible at epsilon)`, neg > 0 || !(hm > 0) ? Infinity : Math.sqrt(Math.max(q, 0)) / hm, WITNESS_TOL);
        e = 0;
        viol = 0;
        for (let j = 0; j < T; j++) if (j !== i && nh[j] > 0) viol = Math.max(viol, Math.max(0, -slack(j, 0)) / S);
      }
    }
    add(`task ${i}: constraints <g~_i, g^_j> >= ${e} |g^_i||g^_j|`, viol);
    let comp = 0;
    for (let j = 0; j < T; j++) {
      if (j === i || !(nh[j] > 0)) continue;
      comp = Math.max(comp, (Math.abs(lam[j]) / S) * (Math.abs(slack(j, e)) / S));
    }
    add(`task ${i}: complementary slackness`, comp);
  }
  const w = info.weights;
  if (w) {
    const scale = options.reduction === 'mean' ? 1 / T : 1;
    let r = 0;
    for (let j = 0; j < T; j++) {
      let s = 0, sa = 0;
      for (let i = 0; i < T; i++) { s += C[i * T + j]; sa += Math.abs(C[i * T + j]); }
      r = Math.max(r, Math.abs(w[j] - scale * s) / Math.max(scale * sa, Number.MIN_VALUE));
    }
    add('weights = eq. 10 reduction of taskCoefs', r);
  }
  const ok = conditions.every((c) => c.ok);
  return { problem, status: !ok ? 'unverified' : infeasible ? 'infeasible' : 'optimal', conditions, ok, multipliers };
}
