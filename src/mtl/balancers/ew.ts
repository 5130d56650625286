/**
 * EW: equal weighting, w_t = 1/T (GradCraft section 4.1.2), or 1 each with reduction 'sum'.
 *
 *   d = (1/T) sum_t g_t
 *
 * Kind 'loss' (one backward of the mean loss). Modes: param and rep (linear, so identical).
 */
import type { BalanceContext, Grad } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { BaseBalancer, oneOf, resolveOptions, type OptionsSpec } from './common.ts';

export const ewOptions: OptionsSpec = {
  reduction: { default: 'mean', check: oneOf('mean', 'sum'), doc: "'mean' (weights 1/T) or 'sum' (weights 1)" },
};

export class EW extends BaseBalancer {
  readonly id = 'ew';
  readonly kind = 'loss' as const;
  readonly modes = ['param', 'rep'] as const;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('ew', ewOptions, options));
  }

  lossWeights(losses: ArrayLike<number>, _ctx: BalanceContext): Float64Array {
    const T = losses.length;
    return new Float64Array(T).fill(this.options.reduction === 'sum' ? 1 : 1 / T);
  }

  protected run(G: Grad, T: number, d: number, _ctx: BalanceContext, out: Grad): void {
    const w = this.infoArray('weights', T);
    w.fill(this.options.reduction === 'sum' ? 1 : 1 / T);
    this.infoArray('lossWeights', T).set(w);
    weightedRowSum(G, T, d, w, out);
  }
}
