/**
 * IMTL (Liu et al. 2021). IMTL-G: alpha with sum_t alpha_t = 1 and d = sum_t alpha_t g_t having
 * equal projections on every unit gradient u_t, from the paper's system
 *   alpha_{2:T} (D U^T) = g_1 U^T,  D rows g_1 - g_t,  U rows u_1 - u_t,
 * built on the vectors and solved by minimum-norm least squares (columns scaled by
 * 1 / (|g_1| + |g_t|), singular values <= 1e-10 dropped), so a singular system gives the
 * pseudo-inverse answer. Zero rows have no direction: alpha 0.
 * IMTL-L: weights e^{s_t}, one Adam step on s from d/ds_t = e^{s_t} L_t - 1 per call.
 * Hybrid: IMTL-G on the rows weighted by IMTL-L.
 */
import { pinvSolve } from './pinv.ts';
import type { RefFactory } from './types.ts';
import { Adam, combine, dot, nrm, scaled, type Rows } from './vec.ts';

export function imtlg(G: Rows): number[] {
  const T = G.length, alpha = new Array(T).fill(0);
  const live = [...Array(T).keys()].filter((t) => nrm(G[t]) > 0);
  if (live.length === 0) return alpha;
  const g = live.map((t) => G[t]), u = g.map((x) => scaled(x, 1 / nrm(x)));
  const m = live.length - 1;
  const Urow = (r: number) => u[0].map((v, k) => v - u[r + 1][k]);
  const Dcol = (c: number) => g[0].map((v, k) => v - g[c + 1][k]);
  const s = Array.from({ length: m }, (_, c) => 1 / (nrm(g[0]) + nrm(g[c + 1])));
  const A = Array.from({ length: m }, (_, r) => Array.from({ length: m }, (_, c) => dot(Urow(r), Dcol(c)) * s[c]));
  const b = Array.from({ length: m }, (_, r) => dot(Urow(r), g[0]) / nrm(g[0]));
  const x = pinvSolve(A, b, 1e-10).x.map((v, c) => (v * s[c]) * nrm(g[0]));
  live.slice(1).forEach((t, c) => { alpha[t] = x[c]; });
  alpha[live[0]] = 1 - x.reduce((a, v) => a + v, 0);
  return alpha;
}

export const imtlRef: RefFactory = (o) => {
  const variant = (o.variant as string) ?? 'g';
  let sv: Float64Array | null = null, adam: Adam | null = null;
  return {
    step(G, ctx) {
      if (variant === 'g') return combine(G, imtlg(G));
      if (!sv) { sv = new Float64Array(G.length); adam = new Adam(G.length, (o.lr as number) ?? 1e-3); }
      const lw = Array.from(sv, Math.exp);
      adam!.step(sv, lw.map((w, t) => w * ctx.losses![t] - 1));
      if (variant === 'l') return combine(G, lw);
      const alpha = imtlg(G.map((g, t) => scaled(g, lw[t])));
      return combine(G, alpha.map((a, t) => a * lw[t]));
    },
  };
};
