/**
 * GradDrop (Chen et al. 2020) on the rows as given: per coordinate k, purity
 * P_k = (1 + sum_t g_tk / sum_t |g_tk|) / 2 (1/2 when every g_tk is 0), one uniform U_k from the
 * step's stream (nextU32 / 2^32, one draw per coordinate in order), keep the positive entries
 * when P_k > U_k and the negative ones when P_k < U_k; dropped entries count `leak` times.
 */
import { stepStream } from './rng.ts';
import type { RefFactory } from './types.ts';
import { nrm, zeros } from './vec.ts';

export const graddropRef: RefFactory = (o) => ({
  step(G, ctx) {
    const rng = stepStream(ctx.rng, 'graddrop', ctx.step), leak = (o.leak as number) ?? 0;
    const d = zeros(G[0].length);
    for (let k = 0; k < d.length; k++) {
      const col = G.map((g) => g[k]);
      const a = col.reduce((x, v) => x + Math.abs(v), 0), s = col.reduce((x, v) => x + v, 0);
      const P = a > 0 ? 0.5 * (1 + s / a) : 0.5;
      const U = rng.nextU32() / 2 ** 32;
      d[k] = col.reduce((x, v) => x + (((P > U && v > 0) || (P < U && v < 0)) ? 1 : leak) * v, 0);
    }
    return { d, scale: G.reduce((x, g) => x + nrm(g), 0) };
  },
});
