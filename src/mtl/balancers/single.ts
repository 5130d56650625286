/**
 * Single: train one task only. Weights w = e_k (GradCraft's Table 2 runs it once per task).
 *
 *   d = g_k
 *
 * Kind 'loss': the trainer backpropagates L_k alone (one backward). Modes: param and rep
 * (copying a row means the same thing for either).
 */
import type { BalanceContext, Grad } from '../balancer.ts';
import { BalancerInputError } from '../balancer.ts';
import { BaseBalancer, isNum, resolveOptions, type OptionsSpec } from './common.ts';

export const singleOptions: OptionsSpec = {
  task: { default: 0, check: isNum(0, 1e9, { int: true }), doc: 'index of the task to train' },
};

export class Single extends BaseBalancer {
  readonly id = 'single';
  readonly kind = 'loss' as const;
  readonly modes = ['param', 'rep'] as const;
  private readonly task: number;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('single', singleOptions, options));
    this.task = this.options.task as number;
  }

  lossWeights(losses: ArrayLike<number>, _ctx: BalanceContext): Float64Array {
    const T = losses.length;
    this.check(T);
    const w = new Float64Array(T);
    w[this.task] = 1;
    return w;
  }

  private check(T: number): void {
    if (this.task >= T) throw new BalancerInputError(`single: option task=${this.task} but there are only T=${T} tasks`);
  }

  protected run(G: Grad, T: number, d: number, _ctx: BalanceContext, out: Grad): void {
    this.check(T);
    const w = this.infoArray('weights', T);
    w.fill(0);
    w[this.task] = 1;
    this.infoArray('lossWeights', T).set(w);
    out.set(G.subarray(this.task * d, this.task * d + d));
  }
}
