/**
 * MGDA: multiple-gradient descent as multi-objective optimisation (Sener and Koltun, NeurIPS
 * 2018; Desideri 2012).
 *
 *   alpha* = argmin_{alpha in simplex} | sum_t alpha_t g_t / n_t |^2,   d = sum_t alpha*_t g_t
 *
 * where n_t is the gradient normaliser: 'none' (1), 'l2' (|g_t|), 'loss' (L_t), 'loss+'
 * (L_t |g_t|). As in Sener and Koltun's code the weights alpha* found on the normalised
 * gradients are applied to the ORIGINAL gradients. The min-norm point is found exactly by
 * Wolfe's active-set algorithm (solver 'exact', default); solver 'frank-wolfe' reproduces the
 * paper's Frank-Wolfe solver (250 iterations, stop at 1e-5). KKT at the solution:
 * <g_t, d> >= |d|^2 for every t, with equality where alpha_t > 0 (normalisation 'none').
 *
 * A zero gradient (after normalisation) is in the hull, so the min-norm point is 0: MGDA says
 * the point is Pareto-stationary and returns a zero update (a note records it).
 * Modes: param and rep (MGDA-UB is the rep-mode upper bound of the same paper).
 */
import type { BalanceContext, Grad } from '../balancer.ts';
import { minNormFrankWolfe, minNormSimplex, weightedRowSum } from '../linalg.ts';
import { BaseBalancer, oneOf, requireLosses, resolveOptions, type OptionsSpec } from './common.ts';

export const mgdaOptions: OptionsSpec = {
  normalization: { default: 'none', check: oneOf('none', 'l2', 'loss', 'loss+'), doc: "gradient normaliser: 'none', 'l2', 'loss', 'loss+'" },
  solver: { default: 'exact', check: oneOf('exact', 'frank-wolfe'), doc: "'exact' (Wolfe's active set) or 'frank-wolfe' (Sener-Koltun)" },
};

export class MGDA extends BaseBalancer {
  readonly id = 'mgda';
  readonly kind = 'gradient' as const;
  readonly modes = ['param', 'rep'] as const;
  override readonly needsLosses: boolean;
  private Kn = new Float64Array(0);

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('mgda', mgdaOptions, options));
    this.needsLosses = String(this.options.normalization).startsWith('loss');
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    const norm = this.options.normalization as string;
    const L = this.needsLosses ? requireLosses('mgda', ctx, T, true) : null;
    const n = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const gn = Math.sqrt(K[t * T + t]);
      n[t] = norm === 'none' ? 1 : norm === 'l2' ? gn : norm === 'loss' ? L![t] : L![t] * gn;
    }
    if (this.Kn.length !== T * T) this.Kn = new Float64Array(T * T);
    const Kn = this.Kn;
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        const s = n[i] * n[j];
        Kn[i * T + j] = s > 0 ? K[i * T + j] / s : 0;
      }
    }
    const alpha = new Float64Array(T);
    const rep = this.options.solver === 'exact' ? minNormSimplex(Kn, T, alpha) : minNormFrankWolfe(Kn, T, alpha);
    if (!rep.converged) this.note(ctx, `min-norm solver stopped after ${rep.iterations} iterations`);
    const w = this.infoArray('weights', T);
    for (let t = 0; t < T; t++) w[t] = n[t] > 0 ? alpha[t] / n[t] : 0;
    for (let t = 0; t < T; t++) {
      if (alpha[t] > 0 && !(K[t * T + t] > 0)) this.note(ctx, `task ${t} has a zero gradient: Pareto-stationary, zero update`);
    }
    weightedRowSum(G, T, d, w, out);
  }
}
