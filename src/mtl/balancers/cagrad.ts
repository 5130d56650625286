/**
 * CAGrad: conflict-averse gradient descent (Liu, Liu, Jin, Stone and Liu, NeurIPS 2021).
 *
 *   g0 = (1/T) sum_t g_t,  phi = c^2 |g0|^2
 *   w* = argmin_{w in simplex}  g_w^T g0 + sqrt(phi) |g_w|,   g_w = sum_t w_t g_t
 *   d  = g0 + sqrt(phi) / |g_w*| * g_w*     (= argmax_{|d - g0| <= c |g0|} min_t <g_t, d>)
 *   rescale 0: d;  1: d / (1 + c^2) (the authors' default);  2: d / (1 + c)
 *
 * c = 0.4 as in the paper's runs (a library default is 0.5). The inner problem is solved
 * exactly (src/mtl/solvers/cagrad-dual.ts: min-norm points of the shifted hull, a closed-form
 * root on the optimal face) and certified on every call (`certifyCagrad`: KKT with a
 * subgradient of |g_w|, residuals relative to their rounding scale, tolerance 1e-9); a failed
 * certificate is a note. `lastInfo().taskWeights` is w*, `weights` the row weights of the
 * (rescaled) update. If g_w* = 0 is optimal (0 in the hull and some direction in the ball
 * conflicts with no task) the update is g0 projected onto the non-conflicting cone, which is g0
 * itself when g0 conflicts with no task (the official code divides by |g_w| + 1e-4 and returns
 * about g0); a note records it. Modes: param and rep.
 */
import type { BalanceContext, BalancerInfo, Certificate, Grad } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { cagradDual, cagradKkt } from '../solvers/cagrad-dual.ts';
import { failedConditions } from '../solvers/simplex.ts';
import { BaseBalancer, isNum, oneOf, resolveOptions, type OptionsSpec } from './common.ts';

export const cagradOptions: OptionsSpec = {
  c: { default: 0.4, check: isNum(0, 1e3), doc: 'radius of the ball around the mean gradient, relative to |g0|' },
  rescale: { default: 1, check: oneOf(0, 1, 2), doc: '0: none, 1: divide by 1 + c^2, 2: divide by 1 + c' },
};

/**
 * CAGrad's certificate: the optimality conditions of the inner problem (see `cagradKkt`) at the
 * inner weights w (`taskWeights`) and the update d = (rescale divisor) * sum_t weights_t g_t.
 */
export function certifyCagrad(K: Float64Array, T: number, info: BalancerInfo, options: Readonly<Record<string, unknown>>): Certificate {
  const c = options.c as number;
  const w = info.taskWeights, weights = info.weights;
  if (!w || !weights || w.length !== T || weights.length !== T) {
    return { problem: 'CAGrad inner problem', status: 'unverified', conditions: [{ name: 'weights reported', residual: Infinity, tol: 0, ok: false }], ok: false };
  }
  let beta = 0;
  for (let i = 0; i < T * T; i++) beta += K[i];
  const cc = c * Math.sqrt(Math.max(beta, 0)) / T;
  const div = rescaleDivisor(options.rescale as number, c);
  return cagradKkt(K, T, cc, w, Array.from(weights, (x) => x * div));
}

function rescaleDivisor(r: number, c: number): number {
  return r === 1 ? 1 + c * c : r === 2 ? 1 + c : 1;
}

export class CAGrad extends BaseBalancer {
  readonly id = 'cagrad';
  readonly kind = 'gradient' as const;
  readonly modes = ['param', 'rep'] as const;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('cagrad', cagradOptions, options));
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    const c = this.options.c as number;
    const sol = cagradDual(K, T, c);
    const div = rescaleDivisor(this.options.rescale as number, c);
    const w = this.infoArray('weights', T);
    for (let t = 0; t < T; t++) w[t] = sol.u[t] / div;
    this.infoArray('taskWeights', T).set(sol.w);
    if (sol.zeroGw) {
      let moved = false;
      for (let t = 0; t < T; t++) if (sol.u[t] !== 1 / T) moved = true;
      this.note(ctx, moved
        ? 'g_w = 0 is optimal (0 is in the hull): the update is the mean gradient projected onto the directions that conflict with no task'
        : 'g_w = 0 is optimal (0 is in the hull): the update is the mean gradient');
    }
    const info = this.info!;
    info.certificate = certifyCagrad(K, T, info, this.options);
    if (!info.certificate.ok) this.note(ctx, `CAGrad inner problem not certified: ${failedConditions(info.certificate)}`);
    weightedRowSum(G, T, d, w, out);
  }
}
