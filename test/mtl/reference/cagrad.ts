/**
 * CAGrad (Liu et al. 2021) from its primal: maximise min_i <g_i, d> over the ball
 * |d - g0| <= r, g0 the mean gradient, r = c |g0|. At the optimum d = g0 + v, |v| = r,
 * v = sum_{j in S} w_j g_j (w >= 0) and <g_i, d> = mu on the support S. For every linearly
 * independent support, with the QR of its rows (v = Q y, R^T y = mu 1 - G_S g0) the condition
 * |y| = r is a quadratic in mu; every root gives a point of the sphere, so every candidate is
 * primal-feasible and the best of them is the optimum. The optimum is unique unless its value
 * is 0 (then 0 is in the hull and the ball reaches the cone of non-conflicting directions):
 * there any point of the ball in that cone is optimal and accepted (the point given is the
 * cone's nearest point to g0). Rescale: d / (1 + c^2) (1), d / (1 + c) (2), none (0).
 */
import { affineProject, qr, solveR, solveRT } from './affine.ts';
import { minNorm } from './mgda.ts';
import type { RefFactory } from './types.ts';
import { axpy, combine, dot, nrm, type Rows, type Vec } from './vec.ts';

/** The nearest point to p of the cone { d : <g_i, d> >= 0 }: over the active sets, as in gradcraft.ts. */
function projectOntoCone(p: Vec, G: Rows): Vec {
  const live = G.filter((g) => nrm(g) > 0), T = live.length;
  let best: { x: Vec; dist: number } | null = null;
  for (let mask = 0; mask < 1 << T; mask++) {
    const A = live.filter((_, k) => mask & (1 << k));
    const pr = affineProject(p, A, A.map(() => 0));
    if (!pr.consistent) continue;
    const sc = nrm(pr.x) + nrm(p);
    if (!live.every((g) => dot(pr.x, g) >= -1e-10 * sc * nrm(g))) continue;
    const dist = nrm(pr.x.map((v, k) => v - p[k]));
    if (!best || dist < best.dist) best = { x: pr.x, dist };
  }
  return best!.x;
}

export const cagradRef: RefFactory = (o) => ({
  step(G) {
    const T = G.length, c = (o.c as number) ?? 0.4, rs = (o.rescale as number) ?? 1;
    const div = rs === 1 ? 1 + c * c : rs === 2 ? 1 + c : 1;
    const mean = combine(G, new Array(T).fill(1 / T));
    const g0 = mean.d, r = c * nrm(g0);
    const value = (d: Vec): number => Math.min(...G.map((g) => dot(g, d)));
    let best = { d: Float64Array.from(g0), v: value(g0), extra: 0 };
    if (r > 0) {
      for (let mask = 1; mask < 1 << T; mask++) {
        const S = [...Array(T).keys()].filter((t) => mask & (1 << t));
        const { Q, R, kept } = qr(S.map((s) => G[s]));
        if (kept.length !== S.length) continue;
        const p = solveRT(R, S.map(() => 1)), q = solveRT(R, S.map((s) => dot(G[s], g0)));
        const a = dot(Float64Array.from(p), Float64Array.from(p)), b = -2 * dot(Float64Array.from(p), Float64Array.from(q));
        const cc = dot(Float64Array.from(q), Float64Array.from(q)) - r * r;
        let disc = b * b - 4 * a * cc;
        if (disc < -1e-12 * b * b) continue;
        disc = Math.max(disc, 0);
        const qq = -0.5 * (b + Math.sign(b || 1) * Math.sqrt(disc));
        for (const mu of [qq / a, cc / qq]) {
          if (!Number.isFinite(mu)) continue;
          const y = p.map((pk, k) => mu * pk - q[k]);
          // Only points of the sphere are candidates (a clamped root may not be on it).
          if (Math.abs(Math.hypot(...y) - r) > 1e-9 * r) continue;
          const d = Float64Array.from(g0);
          Q.forEach((qk, k) => axpy(d, y[k], qk));
          const v = value(d);
          if (v > best.v) {
            const w = solveR(R, y);
            best = { d, v, extra: w.reduce((s, wj, k) => s + Math.abs(wj) * nrm(G[S[k]]), 0) };
          }
        }
      }
    }
    const maxg = Math.max(...G.map(nrm));
    const scale = (mean.scale + best.extra) / div;
    const out = { d: best.d.map((x) => x / div), scale };
    // With 0 in the hull no d does better than 0; when the ball reaches the cone
    // { d : <g_i, d> >= 0 } the optimal set is its intersection with the ball, a set.
    if (nrm(minNorm(G).point) > 1e-12 * maxg) return out;
    const near = projectOntoCone(g0, G);
    if (nrm(near.map((x, k) => x - g0[k])) > r * (1 + 1e-9)) return out;
    return {
      d: near.map((x) => x / div), scale,
      accept: (dl) => {
        const d = Float64Array.from(dl, (x) => x * div);
        const off = Math.max(nrm(d.map((x, k) => x - g0[k])) - r, 0) / Math.max(r, 1e-15 * mean.scale, 1e-300);
        return Math.max(off, -Math.min(0, value(d)) / Math.max(maxg * (nrm(g0) + r), 1e-300));
      },
    };
  },
});
