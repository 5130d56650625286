/**
 * MGDA (Sener and Koltun 2018): the min-norm point of the convex hull of the normalised
 * gradients u_t = g_t / n_t, found by brute force: for every support S whose points are affinely
 * independent, the closest point of their affine hull to 0; clip tiny negative barycentric
 * weights, keep the point only as a genuine hull point, and take the shortest. The update is
 * sum_t alpha_t g_t ('original', the paper's code) or sum_t alpha_t u_t ('normalized', LibMTL).
 */
import { qr, solveR } from './affine.ts';
import type { RefFactory } from './types.ts';
import { axpy, combine, dot, nrm, scaled, zeros, type Rows, type Vec } from './vec.ts';

export interface MinNorm {
  /** The min-norm point (unique). */
  point: Vec;
  alpha: number[];
  /** Whether another optimal alpha exists (the hull's point has several barycentric weights). */
  unique: boolean;
}

export function minNorm(U: Rows): MinNorm {
  const T = U.length;
  let best: { point: Vec; alpha: number[]; n: number } | null = null;
  const optimal: number[][] = [];
  for (let mask = 1; mask < 1 << T; mask++) {
    // The shortest point as the origin of the affine hull: alpha_s0 = 1 - sum c then carries
    // the large weight, and the long points' tiny weights are computed directly.
    const S = [...Array(T).keys()].filter((t) => mask & (1 << t)).sort((a, b) => nrm(U[a]) - nrm(U[b]));
    const p0 = U[S[0]];
    const diffs = S.slice(1).map((s) => U[s].map((v, k) => v - p0[k]));
    const { Q, R, kept } = qr(diffs);
    if (kept.length !== diffs.length) continue;
    // x = p0 + D c with x orthogonal to span(D): R c = -Q^T p0.
    const c = solveR(R, Q.map((q) => -dot(q, p0)));
    const alpha = new Array(T).fill(0);
    alpha[S[0]] = 1 - c.reduce((a, b) => a + b, 0);
    S.slice(1).forEach((s, k) => { alpha[s] = c[k]; });
    if (Math.min(...alpha) < -1e-8) continue;
    const sum = alpha.reduce((a, b) => a + Math.max(b, 0), 0);
    for (let t = 0; t < T; t++) alpha[t] = Math.max(alpha[t], 0) / sum;
    const point = zeros(U[0].length);
    alpha.forEach((a, t) => axpy(point, a, U[t]));
    const n = nrm(point);
    if (!best || n < best.n) best = { point, alpha, n };
    optimal.push(alpha);
  }
  const b = best!;
  const scale = Math.max(...U.map(nrm));
  // Several barycentric weights give the optimum: compare every near-optimal candidate.
  let unique = true;
  for (const a of optimal) {
    const p = zeros(U[0].length);
    a.forEach((x, t) => axpy(p, x, U[t]));
    const close = nrm(p.map((v, k) => v - b.point[k])) <= 1e-10 * scale;
    if (close && a.some((x, t) => Math.abs(x - b.alpha[t]) > 1e-6)) unique = false;
  }
  return { point: b.point, alpha: b.alpha, unique };
}

export const mgdaRef: RefFactory = (o) => ({
  step(G, ctx) {
    const norm = (o.normalization as string) ?? 'none', apply = (o.apply as string) ?? 'original';
    const n = G.map((g, t) => {
      const gn = nrm(g), L = ctx.losses?.[t] ?? 1;
      return norm === 'none' ? 1 : norm === 'l2' ? gn : norm === 'loss' ? L : L * gn;
    });
    const U = G.map((g, t) => (n[t] > 0 ? scaled(g, 1 / n[t]) : zeros(g.length)));
    const mn = minNorm(U);
    const w = mn.alpha.map((a, t) => (apply === 'original' ? a : n[t] > 0 ? a / n[t] : 0));
    const out = combine(G, w);
    if (mn.unique || norm === 'none' || apply === 'normalized') return out;
    // The alphas are not unique, so neither is the update: check the library's weights instead,
    // through the min-norm point they reach.
    return {
      ...out,
      accept: (d, weights) => {
        if (!weights) return Infinity;
        const p = zeros(G[0].length);
        U.forEach((u, t) => axpy(p, weights[t], u));
        const rec = combine(G, weights).d;
        const sc = Math.max(...U.map(nrm));
        return Math.max(nrm(p.map((v, k) => v - mn.point[k])) / sc, nrm(rec.map((v, k) => v - d[k])) / Math.max(out.scale, 1e-300));
      },
    };
  },
});
