/**
 * GradDrop: gradient sign dropout (Chen et al., NeurIPS 2020).
 *
 * Per coordinate k, the positive sign purity of the T gradients and a random threshold:
 *   P_k = 1/2 (1 + sum_t g_tk / sum_t |g_tk|),   U_k ~ Uniform[0, 1)
 *   M_tk = [P_k > U_k] [g_tk > 0] + [P_k < U_k] [g_tk < 0]
 *   d_k = sum_t (leak + (1 - leak) M_tk) g_tk
 * (a coordinate where every gradient is 0 has P = 1/2 and contributes 0). U comes from the
 * seeded stream rng.fork('graddrop:' + step), one draw per coordinate.
 *
 * Modes: rep (the paper inserts GradDrop at an activation layer) and param. The paper also
 * multiplies by the sign of the layer input and sums purity over the batch; the rows here are
 * taken as given, so a caller that wants that form passes the input-signed, batch-summed rows.
 * Not linear in G, so info.weights is null; symmetric in the tasks.
 */
import type { BalanceContext, Grad } from '../balancer.ts';
import { BaseBalancer, isNum, resolveOptions, stepRng, throwNonFinite, type OptionsSpec } from './common.ts';

export const graddropOptions: OptionsSpec = {
  leak: { default: 0, check: isNum(0, 1), doc: 'fraction of every gradient always kept' },
};

export class GradDrop extends BaseBalancer {
  readonly id = 'graddrop';
  readonly kind = 'gradient' as const;
  readonly modes = ['rep', 'param'] as const;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('graddrop', graddropOptions, options));
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const rng = stepRng(this.id, ctx);
    const leak = this.options.leak as number;
    for (let k = 0; k < d; k++) {
      let s = 0, a = 0;
      for (let t = 0; t < T; t++) { const g = G[t * d + k]; s += g; a += Math.abs(g); }
      if (!Number.isFinite(a)) throwNonFinite(this.id, G, T, d);
      const P = a > 0 ? 0.5 * (1 + s / a) : 0.5;
      const U = rng.nextU32() / 4294967296;
      let acc = 0;
      for (let t = 0; t < T; t++) {
        const g = G[t * d + k];
        const keep = (P > U && g > 0) || (P < U && g < 0);
        acc += (keep ? 1 : leak) * g;
      }
      out[k] = acc;
    }
    this.info!.weights = null;
  }
}
