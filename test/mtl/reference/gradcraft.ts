/**
 * GradCraft (Bai et al. 2024) and mtlkit's exact variant.
 *
 * Eq. 5 on the norms (or their EMA m <- b m + (1 - b) |g|, m starting at 0), then for each i:
 * - gradcraft: C_i = { j : <g^_i, g^_j> < 0 }; g~_i is g^_i moved within span(g^_j, j in C_i)
 *   until <g~_i, g^_j> = eps |g^_i| |g^_j| for every j in C_i (eq. 6-9); when these equations
 *   are inconsistent (T > d), the least-squares point of the unit-row equations;
 * - gradcraft-exact: g~_i = argmin |x - g^_i| subject to <x, g^_j> >= eps |g^_i| |g^_j| for
 *   every j != i (non-zero rows), by brute force over the active sets: each set gives the
 *   projection of g^_i onto its equalities; the nearest candidate that satisfies every
 *   constraint is the solution of the convex problem. None: infeasible.
 * d = mean (eq. 10) or sum of the g~_i. Ablation 'local': PCGrad on the g^ (stream 'gradcraft').
 */
import { affineProject } from './affine.ts';
import { magnitude, pcgrad } from './projections.ts';
import type { RefFactory, RefOut } from './types.ts';
import { axpy, dot, nrm, scaled, zeros, type Rows, type Vec } from './vec.ts';

interface Crafted { x: Vec; scale: number }

function conflictProjection(H: Rows, i: number, eps: number): Crafted {
  const ni = nrm(H[i]);
  const C = H.map((_, j) => j).filter((j) => j !== i && dot(H[i], H[j]) < 0);
  if (C.length === 0) return { x: Float64Array.from(H[i]), scale: ni };
  // Each constraint as <x, u_j> = eps |g^_i| with u_j the unit row: when T > d makes the
  // system inconsistent, the least-squares point then weighs every task alike whatever its norm.
  const p = affineProject(H[i], C.map((j) => scaled(H[j], 1 / nrm(H[j]))), C.map(() => eps * ni));
  return { x: p.x, scale: ni + nrm(p.x.map((v, k) => v - H[i][k])) };
}

function exactProjection(H: Rows, i: number, eps: number): Crafted | null {
  const ni = nrm(H[i]);
  const others = H.map((_, j) => j).filter((j) => j !== i && nrm(H[j]) > 0);
  if (!(ni > 0) || others.length === 0) return { x: Float64Array.from(H[i]), scale: ni };
  const z = (j: number) => eps * ni * nrm(H[j]);
  let best: (Crafted & { dist: number }) | null = null;
  for (let mask = 0; mask < 1 << others.length; mask++) {
    const A = others.filter((_, k) => mask & (1 << k));
    const p = affineProject(H[i], A.map((j) => H[j]), A.map(z));
    if (!p.consistent) continue;
    const nx = nrm(p.x) + ni;
    if (!others.every((j) => dot(p.x, H[j]) >= z(j) - 1e-10 * (nx * nrm(H[j]) + z(j)))) continue;
    const dist = nrm(p.x.map((v, k) => v - H[i][k]));
    if (!best || dist < best.dist) {
      best = { x: p.x, dist, scale: ni + dist };
    }
  }
  return best;
}

function gradcraftFactory(exact: boolean): RefFactory {
  return (o) => {
    const ab = (o.ablation as string) ?? 'none';
    const tau = ab === 'fix-tau' ? 1 : ab === 'ori' ? 0 : ((o.tau as number) ?? 0.1);
    const eps = ab === 'fix-epsilon' ? 0 : ((o.epsilon as number) ?? 1e-10);
    const b = (o.b as number) ?? 0, mean = (o.reduction ?? 'mean') === 'mean';
    let mags: number[] | null = null;
    return {
      step(G, ctx): RefOut {
        const n = G.map(nrm);
        mags = b > 0 ? n.map((x, t) => b * (mags?.[t] ?? 0) + (1 - b) * x) : n;
        const H = magnitude(G, mags, tau);
        if (ab === 'local') return pcgrad(H, ctx, 'gradcraft', mean, false);
        const d = zeros(G[0].length);
        let scale = 0;
        for (let i = 0; i < G.length; i++) {
          const c = exact ? exactProjection(H, i, eps) : conflictProjection(H, i, eps);
          if (!c) return { d: null, scale: 0, infeasible: true };
          axpy(d, 1, c.x);
          scale += c.scale;
        }
        const k = mean ? 1 / G.length : 1;
        return { d: d.map((v) => v * k), scale: scale * k };
      },
    };
  };
}

export const gradcraftRef = gradcraftFactory(false);
export const gradcraftExactRef = gradcraftFactory(true);
