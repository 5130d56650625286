/**
 * IMTL (Liu et al. 2021). IMTL-G: alpha with sum_t alpha_t = 1 and d = sum_t alpha_t g_t having
 * equal projections on every unit gradient u_t, from the paper's system
 *   alpha_{2:T} (D U^T) = g_1 U^T,  D rows g_1 - g_t,  U rows u_1 - u_t,
 * built on the vectors (task 1 = the first non-zero row). Full rank: the answer is unique, and
 * it is computed from the definition instead, norm-free: with beta_t = alpha_t |g_t|,
 * d = sum_t beta_t u_t, and equal projections say beta is in the null space of
 * B_rt = <u_t, u_1 - u_r> (r = 2..T), a matrix of cosines; sum_t beta_t / |g_t| = 1 scales it.
 * (The paper's system itself loses digits when the norms are spread: its columns g_1 - g_t
 * all point along the longest row.) Singular D U^T (collinear rows,
 * T > d + 1): the answer is the minimum-norm least-squares alpha_{2:T}, in those unknowns as
 * they are (the documented convention). The rank is decided on the column-scaled system,
 * column t times 1 / (|g_1| + |g_t|), built with the shortest row as task 1 (the rank does not
 * depend on that choice; its conditioning does): a singular value at or below
 * 256 n eps max(1, |scaled|_F) (n = size of the system) is zero. The paper's system is then
 * truncated to that many singular values.
 * Where a singular value lies within a factor 100 of that threshold the rank is a matter of
 * rounding, and the step is marked `borderline` (the suite then asks only for a finite update).
 * The singular case reports `cond`, the rounding of alpha_1 = 1 - sum alpha_{2:T} relative to the
 * error scale. Zero rows have no direction: alpha 0.
 * IMTL-L: weights e^{s_t}, one Adam step on s from d/ds_t = e^{s_t} L_t - 1 per call.
 * Hybrid: IMTL-G on the rows weighted by IMTL-L.
 */
import { minNormLstsq, svd } from './pinv.ts';
import type { RefFactory } from './types.ts';
import { Adam, combine, dot, nrm, scaled, type Rows } from './vec.ts';

const EPS = 2 ** -52;
/** The documented rank threshold of IMTL-G's column-scaled system, and the borderline band around it. */
export const imtlRankTol = (n: number, fro: number): number => 256 * n * EPS * Math.max(1, fro);
const BORDER = 100;

export function imtlg(G: Rows): { alpha: number[]; borderline: boolean; cond?: number } {
  const T = G.length, alpha = new Array(T).fill(0);
  const live = [...Array(T).keys()].filter((t) => nrm(G[t]) > 0);
  if (live.length === 0) return { alpha, borderline: false };
  const g = live.map((t) => G[t]), u = g.map((x) => scaled(x, 1 / nrm(x)));
  const m = live.length - 1;
  const Urow = (r: number) => u[0].map((v, k) => v - u[r + 1][k]);
  // The paper's system with task `ref` as task 1 (A, b), and its column scaling.
  const system = (ref: number) => {
    const o = [ref, ...[...Array(m + 1).keys()].filter((k) => k !== ref)];
    const Ur = (r: number) => u[ref].map((v, k) => v - u[o[r + 1]][k]);
    const Dc = (c: number) => g[ref].map((v, k) => v - g[o[c + 1]][k]);
    const A = Array.from({ length: m }, (_, r) => Array.from({ length: m }, (_, c) => dot(Ur(r), Dc(c))));
    const b = Array.from({ length: m }, (_, r) => dot(Ur(r), g[ref]));
    const c = Array.from({ length: m }, (_, k) => 1 / (nrm(g[ref]) + nrm(g[o[k + 1]])));
    const fro = Math.sqrt(A.reduce((s, row) => s + row.reduce((a, v, k) => a + (v * c[k]) ** 2, 0), 0));
    return { A, b, c, tol: imtlRankTol(m, fro) };
  };
  // Rank: on the system whose task 1 is the shortest row. Its scaled columns
  // (g_1 - g_t) / (|g_1| + |g_t|) are then within a factor 2 of unit length and as independent
  // as the directions; with a long task 1 they would all lean towards u_1 (singular values of
  // the order of the norm ratio), so a spread of norms would pass for a rank deficiency.
  let short = 0;
  for (let k = 1; k <= m; k++) if (nrm(g[k]) < nrm(g[short])) short = k;
  const dec = system(short);
  const sigma = minNormLstsq(dec.A, dec.b, dec.c, dec.tol).sigma;
  const rank = sigma.filter((s) => s > dec.tol).length;
  const borderline = sigma.some((s) => s > dec.tol / BORDER && s <= dec.tol * BORDER);
  if (rank === m) {
    const B = [...Array(m + 1).keys()].map((r) => (r === m ? new Array(m + 1).fill(0) : u.map((ut) => dot(ut, Urow(r)))));
    const { s, V } = svd(B);
    const j = s.indexOf(Math.min(...s));
    const beta = V.map((row) => row[j]);
    const S = beta.reduce((a, v, k) => a + v / nrm(g[k]), 0);
    live.forEach((t, k) => { alpha[t] = beta[k] / nrm(g[k]) / S; });
    return { alpha, borderline };
  }
  // The answer: the paper's system as it is (task 1 = the first row), truncated to that rank.
  const doc = system(0);
  const all = minNormLstsq(doc.A, doc.b, doc.c, -1).sigma;
  const cut = [...all].sort((p, q) => q - p)[rank] ?? 0;
  const { x } = minNormLstsq(doc.A, doc.b, doc.c, cut);
  live.slice(1).forEach((t, k) => { alpha[t] = x[k]; });
  alpha[live[0]] = 1 - x.reduce((a, v) => a + v, 0);
  // alpha_1 = 1 - sum x is known to eps (1 + sum |x|) at best, and it multiplies g_1: relative
  // to the sum of the summands' norms, that is the rounding any implementation of this
  // convention makes (large when g_1 is long and its weight small).
  const scale = live.reduce((a, t) => a + Math.abs(alpha[t]) * nrm(G[t]), 0);
  const cond = scale > 0 ? Math.max(1, (nrm(g[0]) * x.reduce((a, v) => a + Math.abs(v), 1)) / scale) : 1;
  return { alpha, borderline, cond };
}

export const imtlRef: RefFactory = (o) => {
  const variant = (o.variant as string) ?? 'g';
  let sv: Float64Array | null = null, adam: Adam | null = null;
  return {
    step(G, ctx) {
      if (variant === 'g') {
        const { alpha, borderline, cond } = imtlg(G);
        return { ...combine(G, alpha), borderline, cond };
      }
      if (!sv) { sv = new Float64Array(G.length); adam = new Adam(G.length, (o.lr as number) ?? 1e-3); }
      const lw = Array.from(sv, Math.exp);
      adam!.step(sv, lw.map((w, t) => w * ctx.losses![t] - 1));
      if (variant === 'l') return combine(G, lw);
      const { alpha, borderline, cond } = imtlg(G.map((g, t) => scaled(g, lw[t])));
      return { ...combine(G, alpha.map((a, t) => a * lw[t])), borderline, cond };
    },
  };
};
