/**
 * PCGrad (Yu et al. 2020, Algorithm 1), PCGrad+ (GradCraft eq. 5, then PCGrad) and GradVac
 * (Wang et al. 2021), on the vectors themselves. The random orders come from the same stream
 * as the library's: one permutation of T per task i, drawn from fork(id + ':' + step).
 */
import { stepStream } from './rng.ts';
import type { RefCtx, RefFactory, RefOut } from './types.ts';
import { axpy, dot, nrm, scaled, zeros, type Rows } from './vec.ts';

/** GradCraft eq. 5: g^_t = (tau max_j m_j / m_t + 1 - tau) g_t; a zero row stays as it is. */
export function magnitude(G: Rows, mags: number[], tau: number): Rows {
  const mx = Math.max(...mags);
  return G.map((g, t) => (mags[t] > 0 && nrm(g) > 0 ? scaled(g, (tau * mx) / mags[t] + (1 - tau)) : Float64Array.from(g)));
}

/** sum_i g_i^pc (or the mean), projecting onto the rows H given; the error scale with it. */
export function pcgrad(H: Rows, ctx: RefCtx, id: string, mean: boolean, self: boolean): RefOut {
  const T = H.length, rng = stepStream(ctx.rng, id, ctx.step);
  const d = zeros(H[0].length);
  let scale = 0;
  for (let i = 0; i < T; i++) {
    const order = rng.permutation(T);
    const g = Float64Array.from(H[i]);
    scale += nrm(H[i]);
    for (const j of order) {
      if (j === i && !self) continue;
      const njj = dot(H[j], H[j]);
      if (!(njj > 0)) continue;
      const ip = dot(g, H[j]);
      if (ip < 0) { axpy(g, -ip / njj, H[j]); scale += (Math.abs(ip) / njj) * nrm(H[j]); }
    }
    axpy(d, 1, g);
  }
  return mean ? { d: scaled(d, 1 / T), scale: scale / T } : { d, scale };
}

export const pcgradRef: RefFactory = (o) => ({
  step: (G, ctx) => pcgrad(G, ctx, 'pcgrad', o.reduction === 'mean', o.selfProjection === true),
});

export const pcgradPlusRef: RefFactory = (o) => ({
  step: (G, ctx) => pcgrad(magnitude(G, G.map(nrm), (o.tau as number) ?? 0.1), ctx, 'pcgrad+', o.reduction === 'mean', false),
});

/**
 * GradVac: when cos(g'_i, g_j) < phihat_ij, add
 * |g'_i| (phihat sqrt(1 - phi^2) - phi sqrt(1 - phihat^2)) / (|g_j| sqrt(1 - phihat^2)) g_j;
 * phihat_ij <- (1 - beta) phihat_ij + beta phi_ij on every visit, or only when projecting.
 */
export const gradvacRef: RefFactory = (o) => {
  const beta = (o.beta as number) ?? 1e-2, always = (o.targetUpdate ?? 'always') === 'always';
  let hat: number[][] | null = null;
  return {
    step(G, ctx) {
      const T = G.length, rng = stepStream(ctx.rng, 'gradvac', ctx.step);
      if (!hat) hat = Array.from({ length: T }, () => new Array(T).fill(0));
      const d = zeros(G[0].length);
      let scale = 0;
      for (let i = 0; i < T; i++) {
        const order = rng.permutation(T);
        const g = Float64Array.from(G[i]);
        scale += nrm(G[i]);
        for (const j of order) {
          if (j === i) continue;
          const ni = nrm(g), nj = nrm(G[j]);
          if (!(ni > 0) || !(nj > 0)) continue;
          const phi = Math.max(-1, Math.min(1, dot(g, G[j]) / ni / nj)), target = hat[i][j];
          if (phi < target) {
            const c = (ni * (target * Math.sqrt(1 - phi * phi) - phi * Math.sqrt(1 - target * target))) / (nj * Math.sqrt(1 - target * target));
            axpy(g, c, G[j]);
            scale += Math.abs(c) * nj;
            if (!always) hat[i][j] = (1 - beta) * target + beta * phi;
          }
          if (always) hat[i][j] = (1 - beta) * target + beta * phi;
        }
        axpy(d, 1, g);
      }
      return o.reduction === 'mean' ? { d: scaled(d, 1 / T), scale: scale / T } : { d, scale };
    },
  };
};
