/**
 * UC: uncertainty weighting (Kendall, Gal and Cipolla, CVPR 2018).
 *
 * With learnable s_t = log sigma_t^2 the joint loss is
 *
 *   L(theta, s) = sum_t ( exp(-s_t) / 2 * L_t(theta) + s_t / 2 )
 *
 * so the loss weights are w_t = exp(-s_t) / 2 and dL/ds_t = -exp(-s_t) L_t / 2 + 1/2
 * (optimum s_t = log L_t, i.e. w_t = 1 / (2 L_t)). This is Kendall's regression form, the one
 * common libraries use for every task; the classification form exp(-s) L + s/2 has the same
 * optimal weights up to a shift of s.
 *
 * Training the s_t: the balancer owns them. Each call of `lossWeights(losses)` (or `combine`)
 * returns the weights at the current s, then takes one Adam step (lr option) on s with the
 * analytic derivative above at those losses, which is what joint autograd training of s with
 * Adam would do. The official GradCraft code uses w L + log(1 + 0.5 / w) instead; not
 * reproduced. Kind 'loss' (one backward). Modes: param and rep (a loss weighting is
 * independent of where gradients are taken).
 */
import type { BalanceContext, BalancerState, Grad } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { BaseBalancer, ScalarAdam, checkState, isNum, numArray, requireLosses, resolveOptions, type OptionsSpec } from './common.ts';

export const ucOptions: OptionsSpec = {
  lr: { default: 1e-3, check: isNum(0, 10), doc: 'Adam learning rate of the log-variances s_t' },
  init: { default: 0, check: isNum(-20, 20), doc: 'initial s_t = log sigma_t^2 (0: all weights 1/2)' },
};

export class UC extends BaseBalancer {
  readonly id = 'uc';
  readonly kind = 'loss' as const;
  readonly modes = ['param', 'rep'] as const;
  override readonly needsLosses = true;
  private s = new Float64Array(0);
  private adam: ScalarAdam | null = null;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('uc', ucOptions, options));
  }

  private ensure(T: number): void {
    if (this.s.length !== T) {
      this.s = new Float64Array(T).fill(this.options.init as number);
      this.adam = new ScalarAdam(T, this.options.lr as number);
    }
  }

  lossWeights(losses: ArrayLike<number>, ctx: BalanceContext): Float64Array {
    const T = losses.length;
    const L = requireLosses('uc', { ...ctx, losses }, T);
    this.ensure(T);
    const w = new Float64Array(T), grad = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      w[t] = Math.exp(-this.s[t]) / 2;
      grad[t] = -w[t] * L[t] + 0.5;
    }
    this.adam!.step(this.s, grad);
    return w;
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const w = this.lossWeights(requireLosses('uc', ctx, T), ctx);
    this.infoArray('weights', T).set(w);
    this.infoArray('lossWeights', T).set(w);
    weightedRowSum(G, T, d, w, out);
  }

  /** Current log-variances s_t (for reports). */
  logVariances(): Float64Array {
    return this.s.slice();
  }

  override reset(): void {
    this.s = new Float64Array(0);
    this.adam = null;
  }

  override getState(): BalancerState {
    return { id: this.id, version: 1, s: Array.from(this.s), adam: this.adam?.getState() ?? null };
  }

  override setState(state: BalancerState): void {
    checkState(this.id, state);
    const s = numArray(this.id, state.s, 's');
    this.reset();
    if (s.length === 0) return;
    this.ensure(s.length);
    this.s.set(s);
    if (state.adam) this.adam!.setState(this.id, state.adam);
  }
}
