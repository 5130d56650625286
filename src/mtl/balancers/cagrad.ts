/**
 * CAGrad: conflict-averse gradient descent (Liu, Liu, Jin, Stone and Liu, NeurIPS 2021).
 *
 *   g0 = (1/T) sum_t g_t,  phi = c^2 |g0|^2
 *   w* = argmin_{w in simplex}  g_w^T g0 + sqrt(phi) |g_w|,   g_w = sum_t w_t g_t
 *   d  = g0 + sqrt(phi) / |g_w*| * g_w*
 *   rescale 0: d;  1: d / (1 + c^2) (the authors' default);  2: d / (1 + c)
 *
 * c = 0.4 as in the paper's runs (a library default is 0.5). The T-dimensional convex problem
 * is solved on the Gram matrix by accelerated projected gradient with backtracking (to 1e-12
 * in w). If g_w* = 0 (g0 itself is conflict-free enough) the update is g0. Modes: param and rep.
 */
import type { BalanceContext, Grad } from '../balancer.ts';
import { projectSimplex, quadForm, weightedRowSum } from '../linalg.ts';
import { BaseBalancer, isNum, oneOf, resolveOptions, type OptionsSpec } from './common.ts';

export const cagradOptions: OptionsSpec = {
  c: { default: 0.4, check: isNum(0, 1e3), doc: 'radius of the ball around the mean gradient, relative to |g0|' },
  rescale: { default: 1, check: oneOf(0, 1, 2), doc: '0: none, 1: divide by 1 + c^2, 2: divide by 1 + c' },
};

/**
 * min_{w in simplex} w^T K b + cc sqrt(w^T K w), b uniform; returns w. K is scaled by its max
 * diagonal first (the minimiser is unchanged when cc is scaled alongside).
 */
export function cagradWeights(K: Float64Array, T: number, c: number, w: Float64Array): void {
  let s = 0;
  for (let i = 0; i < T; i++) s = Math.max(s, K[i * T + i]);
  w.fill(1 / T);
  if (!(s > 0)) return;
  const k = K.map((v) => v / s);
  const a = new Float64Array(T);
  let g0sq = 0;
  for (let i = 0; i < T; i++) {
    let r = 0;
    for (let j = 0; j < T; j++) r += k[i * T + j] / T;
    a[i] = r;
    g0sq += r / T;
  }
  const cc = c * Math.sqrt(Math.max(g0sq, 0));
  const eps = 1e-24;
  const F = (x: Float64Array): number => {
    let lin = 0;
    for (let i = 0; i < T; i++) lin += x[i] * a[i];
    return lin + cc * Math.sqrt(Math.max(quadForm(k, T, x), 0) + eps);
  };
  const grad = (x: Float64Array, g: Float64Array): void => {
    const q = Math.sqrt(Math.max(quadForm(k, T, x), 0) + eps);
    for (let i = 0; i < T; i++) {
      let r = 0;
      for (let j = 0; j < T; j++) r += k[i * T + j] * x[j];
      g[i] = a[i] + (cc * r) / q;
    }
  };
  let x = Float64Array.from(w), y = Float64Array.from(w), xPrev = Float64Array.from(w);
  const g = new Float64Array(T), cand = new Float64Array(T);
  let step = 1, tk = 1;
  for (let it = 0; it < 5000; it++) {
    grad(y, g);
    const fy = F(y);
    // Backtracking on the projected step from y.
    for (let bt = 0; bt < 60; bt++) {
      for (let i = 0; i < T; i++) cand[i] = y[i] - step * g[i];
      projectSimplex(cand, T, cand);
      let lin = 0, sq = 0;
      for (let i = 0; i < T; i++) { const dlt = cand[i] - y[i]; lin += g[i] * dlt; sq += dlt * dlt; }
      if (F(cand) <= fy + lin + sq / (2 * step) + 1e-18) break;
      step *= 0.5;
    }
    xPrev = x;
    x = Float64Array.from(cand);
    let change = 0;
    for (let i = 0; i < T; i++) change = Math.max(change, Math.abs(x[i] - xPrev[i]));
    if (change < 1e-13) break;
    const tNext = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
    // Restart momentum when the objective goes up (keeps it monotone and robust).
    if (F(x) > F(xPrev)) { y = Float64Array.from(x); tk = 1; continue; }
    for (let i = 0; i < T; i++) y[i] = x[i] + ((tk - 1) / tNext) * (x[i] - xPrev[i]);
    tk = tNext;
    step *= 1.5;
  }
  w.set(x);
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
    const ws = new Float64Array(T);
    cagradWeights(K, T, c, ws);
    const b = new Float64Array(T).fill(1 / T);
    const g0n = Math.sqrt(Math.max(quadForm(K, T, b), 0));
    const gwn = Math.sqrt(Math.max(quadForm(K, T, ws), 0));
    const lambda = gwn > 0 ? (c * g0n) / gwn : 0;
    if (!(gwn > 0)) this.note(ctx, 'g_w is zero: update is the mean gradient');
    const r = this.options.rescale as number;
    const div = r === 1 ? 1 + c * c : r === 2 ? 1 + c : 1;
    const w = this.infoArray('weights', T);
    for (let t = 0; t < T; t++) w[t] = (1 / T + lambda * ws[t]) / div;
    weightedRowSum(G, T, d, w, out);
  }
}
