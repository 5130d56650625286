/**
 * DWA: dynamic weight average (Liu, Johns and Davison, CVPR 2019).
 *
 *   r_t(k-1) = L_t(k-1) / L_t(k-2),   w_t(k) = S * exp(r_t(k-1) / Temp) / sum_j exp(r_j(k-1) / Temp)
 *
 * with temperature Temp = 2 and S = T (the paper: weights sum to the number of tasks); the first
 * two epochs use w_t = S / T. L(k) is the average loss of epoch k: when ctx.epoch is given the
 * balancer averages the step losses of each epoch; without it each call is its own "epoch",
 * i.e. mini-batch losses, which is what the official GradCraft code does (it also normalises
 * to S = 1: option weightSum 1).
 *
 * Kind 'loss' (one backward). Modes: param and rep.
 */
import type { BalanceContext, BalancerState, Grad } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { BaseBalancer, checkState, isNum, numArray, requireLosses, resolveOptions, type OptionsSpec } from './common.ts';

export const dwaOptions: OptionsSpec = {
  temperature: { default: 2, check: isNum(0, 1e6, { openLo: true }), doc: 'softmax temperature (paper: 2)' },
  weightSum: { default: null, check: (v) => (v === null || (typeof v === 'number' && v > 0) ? null : 'must be null (= T) or > 0'), doc: 'sum of the weights; null means T (paper), 1 reproduces the GradCraft code' },
};

export class DWA extends BaseBalancer {
  readonly id = 'dwa';
  readonly kind = 'loss' as const;
  readonly modes = ['param', 'rep'] as const;
  override readonly needsLosses = true;
  /** Average losses of the last two completed epochs (older first). */
  private hist: number[][] = [];
  private acc: number[] = [];
  private count = 0;
  private epoch: number | null = null;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('dwa', dwaOptions, options));
  }

  lossWeights(losses: ArrayLike<number>, ctx: BalanceContext): Float64Array {
    const T = losses.length;
    const L = requireLosses('dwa', { ...ctx, losses }, T);
    const e = ctx.epoch ?? ctx.step;
    if (this.epoch !== null && e !== this.epoch && this.count > 0) {
      this.hist.push(this.acc.map((a) => a / this.count));
      if (this.hist.length > 2) this.hist.shift();
      this.acc = [];
      this.count = 0;
    }
    this.epoch = e;
    const S = (this.options.weightSum as number | null) ?? T;
    const w = new Float64Array(T);
    if (this.hist.length < 2 || this.hist[0].length !== T) {
      w.fill(S / T);
    } else {
      const temp = this.options.temperature as number;
      const r = new Float64Array(T);
      let mx = -Infinity;
      for (let t = 0; t < T; t++) {
        const prev = this.hist[0][t], cur = this.hist[1][t];
        r[t] = prev !== 0 ? cur / prev : 1;
        r[t] /= temp;
        mx = Math.max(mx, r[t]);
      }
      let z = 0;
      for (let t = 0; t < T; t++) { w[t] = Math.exp(r[t] - mx); z += w[t]; }
      for (let t = 0; t < T; t++) w[t] = (S * w[t]) / z;
    }
    if (this.acc.length !== T) this.acc = new Array(T).fill(0);
    for (let t = 0; t < T; t++) this.acc[t] += L[t];
    this.count++;
    return w;
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const w = this.lossWeights(requireLosses('dwa', ctx, T), ctx);
    this.infoArray('weights', T).set(w);
    this.infoArray('lossWeights', T).set(w);
    weightedRowSum(G, T, d, w, out);
  }

  override reset(): void {
    this.hist = [];
    this.acc = [];
    this.count = 0;
    this.epoch = null;
  }

  override getState(): BalancerState {
    return { id: this.id, version: 1, hist: this.hist.map((h) => [...h]), acc: [...this.acc], count: this.count, epoch: this.epoch };
  }

  override setState(state: BalancerState): void {
    checkState(this.id, state);
    const hist = Array.isArray(state.hist) ? state.hist.map((h, i) => numArray(this.id, h, `hist[${i}]`)) : [];
    this.hist = hist;
    this.acc = numArray(this.id, state.acc ?? [], 'acc');
    this.count = Number(state.count) || 0;
    this.epoch = state.epoch === null || state.epoch === undefined ? null : Number(state.epoch);
  }
}
