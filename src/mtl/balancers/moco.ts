/**
 * MoCo: stochastic multi-objective gradient correction (Fernando et al., ICLR 2023).
 *
 *   y_t <- y_t - beta_k (y_t - h_t)                       (tracking of each task's gradient)
 *   lambda <- Proj_simplex(lambda - gamma_k (Y^T Y + rho I) lambda)
 *   d = Y lambda = sum_t lambda_t y_t
 * with beta_k = beta / k^betaSigma, gamma_k = gamma / k^gammaSigma (k = 1, 2, ...), y_0 = 0,
 * lambda_0 uniform. Defaults beta 0.5, betaSigma 0.5, gamma 0.1, gammaSigma 0.5, rho 0.
 * h_t = g_t (normalize 'none'), or g_t / |g_t| * L_t (normalize 'loss', as a common library
 * does; needs ctx.losses). That library also replaces the simplex projection with a softmax;
 * we keep the paper's projection.
 *
 * Modes: param only. y tracks every coordinate across steps; in rep mode the coordinates are
 * per-example representation gradients of a different batch each step, which is meaningless
 * to average (the MultiBalance paper also runs MoCo on parameter gradients).
 *
 * Coordinates must be stable across steps, so `perCoordinateState` is true: in training
 * (BalancedStep) G's rows are the WHOLE shared group (every row of every shared table), not the
 * compact touched-rows view. Exact (y's untouched rows decay and contribute to Y^T Y and d as
 * the paper's update says) but O(shared table size) per step; see docs/balancers.md.
 */
import type { BalanceContext, BalancerState, Grad } from '../balancer.ts';
import { BalancerInputError } from '../balancer.ts';
import { gram, projectSimplex } from '../linalg.ts';
import { BaseBalancer, checkState, isNum, numArray, oneOf, requireLosses, resolveOptions, throwNonFinite, type OptionsSpec } from './common.ts';

export const mocoOptions: OptionsSpec = {
  beta: { default: 0.5, check: isNum(0, 1), doc: 'tracking rate of y' },
  betaSigma: { default: 0.5, check: isNum(0, 10), doc: 'decay exponent of beta' },
  gamma: { default: 0.1, check: isNum(0, 1e6), doc: 'learning rate of lambda' },
  gammaSigma: { default: 0.5, check: isNum(0, 10), doc: 'decay exponent of gamma' },
  rho: { default: 0, check: isNum(0, 1e6), doc: 'l2 regularisation of the lambda step' },
  normalize: { default: 'none', check: oneOf('none', 'loss'), doc: "'none' or 'loss' (g / |g| * L)" },
};

export class MoCo extends BaseBalancer {
  readonly id = 'moco';
  readonly kind = 'gradient' as const;
  readonly modes = ['param'] as const;
  /** Per-coordinate EMA: the training step gives G a fixed layout (see the doc comment). */
  override readonly perCoordinateState = true;
  override readonly needsLosses: boolean;
  private y: Grad | null = null;
  private lambda = new Float64Array(0);
  private k = 0;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('moco', mocoOptions, options));
    this.needsLosses = this.options.normalize === 'loss';
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    const L = this.needsLosses ? requireLosses('moco', ctx, T) : null;
    if (!this.y || this.y.length !== T * d || this.y.constructor !== G.constructor) {
      if (this.y && this.k > 0) {
        throw new BalancerInputError(`moco: gradient shape changed from ${this.y.length / T} to ${d} per task (y tracks coordinates; use param mode, or reset())`);
      }
      this.y = G instanceof Float64Array ? new Float64Array(T * d) : new Float32Array(T * d);
      this.lambda = new Float64Array(T).fill(1 / T);
    }
    this.k++;
    const o = this.options;
    const beta = (o.beta as number) / Math.pow(this.k, o.betaSigma as number);
    const gamma = (o.gamma as number) / Math.pow(this.k, o.gammaSigma as number);
    const y = this.y;
    for (let t = 0; t < T; t++) {
      const n = Math.sqrt(K[t * T + t]);
      const s = L ? (n > 0 ? L[t] / n : 0) : 1;
      const off = t * d;
      for (let k = 0; k < d; k++) y[off + k] -= beta * (y[off + k] - s * G[off + k]);
    }
    const Ky = new Float64Array(T * T);
    gram(y, Ky, T, d);
    const rho = o.rho as number;
    const step = new Float64Array(T);
    for (let i = 0; i < T; i++) {
      let r = rho * this.lambda[i];
      for (let j = 0; j < T; j++) r += Ky[i * T + j] * this.lambda[j];
      step[i] = this.lambda[i] - gamma * r;
    }
    projectSimplex(step, T, this.lambda);
    out.fill(0);
    for (let t = 0; t < T; t++) {
      const l = this.lambda[t];
      if (l === 0) continue;
      const off = t * d;
      for (let k = 0; k < d; k++) out[k] += l * y[off + k];
    }
    for (let k = 0; k < d; k++) if (!Number.isFinite(out[k])) throwNonFinite(this.id, G, T, d);
    this.info!.weights = null;
    this.infoArray('taskWeights', T).set(this.lambda);
  }

  /** Current task weights lambda. */
  weights(): Float64Array {
    return this.lambda.slice();
  }

  override reset(): void {
    this.y = null;
    this.lambda = new Float64Array(0);
    this.k = 0;
  }

  override getState(): BalancerState {
    return {
      id: this.id, version: 1, k: this.k, lambda: Array.from(this.lambda),
      dtype: this.y instanceof Float32Array ? 'float32' : 'float64', y: this.y ? Array.from(this.y) : [],
    };
  }

  override setState(state: BalancerState): void {
    checkState(this.id, state);
    const y = numArray(this.id, state.y ?? [], 'y');
    this.k = Number(state.k) || 0;
    this.lambda = Float64Array.from(numArray(this.id, state.lambda ?? [], 'lambda'));
    this.y = y.length ? (state.dtype === 'float32' ? Float32Array.from(y) : Float64Array.from(y)) : null;
  }
}
