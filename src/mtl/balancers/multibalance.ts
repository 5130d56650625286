/**
 * MultiBalance (He et al., Meta, 2024), Algorithm 3, on the T representation gradients g_m:
 *
 *   u_m <- (1 - gamma) u_m + gamma |g_m|           (EMA of the norms; u starts at the first |g_m|)
 *   v_m  = g_m / u_m                                (rescaling, line 7)
 *   lambda <- Proj_simplex(lambda - beta * delta)   (line 10, eq. 12)
 *   d = V lambda = sum_m lambda_m v_m              (line 11, with the UPDATED lambda)
 *
 * with the step direction
 *   form 'gradient': delta = V^T (V lambda + rho V lambda0)                   (eq. 12)
 *   form 'cosine'  : delta_m = cos(v_m, V lambda + rho V lambda0)           (section 5.4)
 * The paper replaces the gradient by the cosine in practice because its magnitude is small, and
 * uses a large beta (1 for ads, 5 best on feeds; 1, 2, 5, 10 tried): defaults form 'cosine',
 * beta 1, rho 0.1, lambda0 uniform, lambda starting at lambda0. gamma is not given in the
 * paper: 0.1 here. With beta = 0, lambda stays at lambda0 and d is the lambda0-weighted sum of
 * the EMA-rescaled gradients (the EW mean for uniform lambda0). A zero gradient gives v = 0.
 *
 * lastInfo(): `taskWeights` is lambda (after this step's update), `weights` the effective row
 * weights lambda_m / u_m with d = sum_m weights_m g_m; diagnostics' `norms_after` are therefore
 * the rescaled, weighted magnitudes lambda_m |g_m| / u_m (the paper's Figure 2 (d) and (e)).
 *
 * Modes: rep (the paper's point: one backward, O(T^2 n') balancing on the representation) and
 * param (Algorithm 2 style, for comparison). The state is T norms and T weights.
 */
import type { BalanceContext, BalancerState, Grad } from '../balancer.ts';
import { BalancerOptionError } from '../balancer.ts';
import { projectSimplex, weightedRowSum } from '../linalg.ts';
import { BaseBalancer, checkState, isNum, numArray, oneOf, resolveOptions, type OptionsSpec } from './common.ts';

export const multibalanceOptions: OptionsSpec = {
  gamma: { default: 0.1, check: isNum(0, 1), doc: 'EMA rate of the gradient norms u_m' },
  beta: { default: 1, check: isNum(0, 1e6), doc: 'learning rate of the task weights lambda' },
  rho: { default: 0.1, check: isNum(0, 1e6), doc: 'weight of the prior direction V lambda0' },
  lambda0: {
    default: null,
    check: (v) => (v === null || (Array.isArray(v) && v.every((x) => typeof x === 'number' && x >= 0)) ? null : 'must be null (uniform) or an array of non-negative numbers'),
    doc: 'prior task weights (null: uniform 1/T); normalised to sum 1',
  },
  form: { default: 'cosine', check: oneOf('cosine', 'gradient'), doc: "step direction: 'cosine' (section 5.4) or 'gradient' (eq. 12)" },
};

export class MultiBalance extends BaseBalancer {
  readonly id = 'multibalance';
  readonly kind = 'gradient' as const;
  readonly modes = ['rep', 'param'] as const;
  private u = new Float64Array(0);
  private lambda = new Float64Array(0);
  private Kv = new Float64Array(0);

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('multibalance', multibalanceOptions, options));
  }

  private prior(T: number): Float64Array {
    const l0 = this.options.lambda0 as number[] | null;
    const p = new Float64Array(T);
    if (l0 === null) return p.fill(1 / T);
    if (l0.length !== T) throw new BalancerOptionError(`multibalance: lambda0 has ${l0.length} entries, expected T=${T}`);
    const s = l0.reduce((a, b) => a + b, 0);
    if (!(s > 0)) throw new BalancerOptionError('multibalance: lambda0 must have a positive sum');
    for (let t = 0; t < T; t++) p[t] = l0[t] / s;
    return p;
  }

  /** Current task weights lambda (for reports). */
  weights(): Float64Array {
    return this.lambda.slice();
  }

  protected run(G: Grad, T: number, d: number, _ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    const l0 = this.prior(T);
    const fresh = this.u.length !== T;
    if (fresh) {
      this.u = new Float64Array(T);
      this.lambda = Float64Array.from(l0);
    }
    const gamma = this.options.gamma as number;
    for (let m = 0; m < T; m++) {
      const n = Math.sqrt(K[m * T + m]);
      this.u[m] = fresh || !(this.u[m] > 0) ? n : (1 - gamma) * this.u[m] + gamma * n;
    }
    const inv = new Float64Array(T);
    for (let m = 0; m < T; m++) inv[m] = this.u[m] > 0 ? 1 / this.u[m] : 0;
    if (this.Kv.length !== T * T) this.Kv = new Float64Array(T * T);
    const Kv = this.Kv;
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) Kv[i * T + j] = inv[i] * K[i * T + j] * inv[j];
    const rho = this.options.rho as number;
    const x = new Float64Array(T);
    for (let m = 0; m < T; m++) x[m] = this.lambda[m] + rho * l0[m];
    // delta_m = <v_m, V x>
    const delta = new Float64Array(T);
    let xx = 0;
    for (let i = 0; i < T; i++) {
      let r = 0;
      for (let j = 0; j < T; j++) r += Kv[i * T + j] * x[j];
      delta[i] = r;
      xx += x[i] * r;
    }
    if (this.options.form === 'cosine') {
      const nx = Math.sqrt(Math.max(xx, 0));
      for (let m = 0; m < T; m++) {
        const nv = Math.sqrt(Kv[m * T + m]);
        delta[m] = nv > 0 && nx > 0 ? delta[m] / (nv * nx) : 0;
      }
    }
    const beta = this.options.beta as number;
    if (beta !== 0) {
      for (let m = 0; m < T; m++) delta[m] = this.lambda[m] - beta * delta[m];
      projectSimplex(delta, T, this.lambda);
    }
    // lastInfo: taskWeights = lambda (its Figure 2(d)); weights = the effective row weights
    // lambda_m / u_m (so diagnostics' norms after balancing are lambda_m |g_m| / u_m, panel (e)).
    this.infoArray('taskWeights', T).set(this.lambda);
    const w = this.infoArray('weights', T);
    for (let m = 0; m < T; m++) w[m] = this.lambda[m] * inv[m];
    weightedRowSum(G, T, d, w, out);
  }

  override reset(): void {
    this.u = new Float64Array(0);
    this.lambda = new Float64Array(0);
  }

  override getState(): BalancerState {
    return { id: this.id, version: 1, u: Array.from(this.u), lambda: Array.from(this.lambda) };
  }

  override setState(state: BalancerState): void {
    checkState(this.id, state);
    this.u = Float64Array.from(numArray(this.id, state.u ?? [], 'u'));
    this.lambda = Float64Array.from(numArray(this.id, state.lambda ?? [], 'lambda', this.u.length));
  }
}
