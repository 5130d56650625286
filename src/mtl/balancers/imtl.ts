/**
 * IMTL: impartial multi-task learning (Liu et al., ICLR 2021).
 *
 * IMTL-G (variant 'g', default; the gradient part, closed form): find alpha with
 * sum_t alpha_t = 1 such that d = sum_t alpha_t g_t has equal projections on every unit
 * gradient u_t = g_t / |g_t|:
 *
 *   D = [g_1 - g_2, ..., g_1 - g_T],  U = [u_1 - u_2, ..., u_1 - u_T]   (rows)
 *   alpha_{2:T} = g_1 U^T (D U^T)^{-1},  alpha_1 = 1 - sum_{t>=2} alpha_t
 *
 * solved on the Gram matrix ((D U^T) and g_1 U^T are inner products) by LU; a singular D U^T
 * (collinear gradients) falls back to the minimum-norm least-squares solution (a note says
 * so). Zero-norm tasks have no unit direction: they are left out (alpha = 0).
 *
 * IMTL-L (variant 'l', kind 'loss'): learnable s_t, scaled loss e^{s_t} L_t - s_t, so the loss
 * weights are e^{s_t} and d/ds_t = e^{s_t} L_t - 1 (optimum: every scaled loss equals 1). The
 * balancer owns s and takes one Adam step (lr) per call from that derivative, after returning
 * the weights at the current s.
 *
 * Hybrid (variant 'hybrid', kind 'both'): IMTL-L weights applied to the rows (the same as
 * weighting the losses before the per-task backwards), then IMTL-G on the weighted rows. The
 * trainer passes the UNWEIGHTED per-task gradients and ctx.losses.
 *
 * Modes: param and rep (the paper applies IMTL-G to the shared-representation gradients).
 */
import type { BalanceContext, BalancerState, Grad } from '../balancer.ts';
import { solveGeneral, weightedRowSum } from '../linalg.ts';
import { BaseBalancer, ScalarAdam, checkState, isNum, numArray, oneOf, requireLosses, resolveOptions, type OptionsSpec } from './common.ts';

export const imtlOptions: OptionsSpec = {
  variant: { default: 'g', check: oneOf('g', 'l', 'hybrid'), doc: "'g' (IMTL-G), 'l' (IMTL-L loss scaling) or 'hybrid' (both, the paper's IMTL)" },
  lr: { default: 1e-3, check: isNum(0, 10), doc: 'Adam learning rate of the IMTL-L scales s_t' },
};

/** IMTL-G weights alpha from the Gram matrix K (T x T); returns a note or null. */
export function imtlgWeights(K: ArrayLike<number>, T: number, alpha: Float64Array): string | null {
  alpha.fill(0, 0, T);
  const idx: number[] = [];
  for (let t = 0; t < T; t++) if (K[t * T + t] > 0) idx.push(t);
  const m = idx.length;
  if (m === 0) return 'all gradients are zero';
  if (m === 1) { alpha[idx[0]] = 1; return null; }
  const n = idx.map((t) => Math.sqrt(K[t * T + t]));
  // <u_p, g_q> = K_pq / n_p over live indices p, q.
  const ug = (p: number, q: number): number => K[idx[p] * T + idx[q]] / n[p];
  const M = new Float64Array((m - 1) * (m - 1)), rhs = new Float64Array(m - 1), a = new Float64Array(m - 1);
  for (let r = 0; r < m - 1; r++) {
    // row r: U_r = u_0 - u_{r+1}
    rhs[r] = ug(0, 0) - ug(r + 1, 0);
    for (let c = 0; c < m - 1; c++) {
      // <u_0 - u_{r+1}, g_0 - g_{c+1}>
      M[r * (m - 1) + c] = ug(0, 0) - ug(0, c + 1) - ug(r + 1, 0) + ug(r + 1, c + 1);
    }
  }
  const rep = solveGeneral(M, m - 1, rhs, a);
  let s = 0;
  for (let r = 0; r < m - 1; r++) { alpha[idx[r + 1]] = a[r]; s += a[r]; }
  alpha[idx[0]] = 1 - s;
  return rep.method === 'pinv' ? `singular D U^T (rank ${rep.rank} of ${m - 1}): least-squares alpha` : null;
}

export class IMTL extends BaseBalancer {
  readonly id = 'imtl';
  readonly kind: 'gradient' | 'loss' | 'both';
  readonly modes = ['param', 'rep'] as const;
  override readonly needsLosses: boolean;
  private s = new Float64Array(0);
  private adam: ScalarAdam | null = null;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('imtl', imtlOptions, options));
    const v = this.options.variant;
    this.kind = v === 'g' ? 'gradient' : v === 'l' ? 'loss' : 'both';
    this.needsLosses = v !== 'g';
  }

  lossWeights(losses: ArrayLike<number>, ctx: BalanceContext): Float64Array {
    const T = losses.length;
    const L = requireLosses('imtl', { ...ctx, losses }, T);
    if (this.s.length !== T) {
      this.s = new Float64Array(T);
      this.adam = new ScalarAdam(T, this.options.lr as number);
    }
    const w = new Float64Array(T), g = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      w[t] = Math.exp(this.s[t]);
      g[t] = w[t] * L[t] - 1;
    }
    this.adam!.step(this.s, g);
    return w;
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const v = this.options.variant;
    const w = this.infoArray('weights', T);
    let lw: Float64Array | null = null;
    if (v !== 'g') {
      lw = this.lossWeights(requireLosses('imtl', ctx, T), ctx);
      this.infoArray('lossWeights', T).set(lw);
    }
    if (v === 'l') {
      w.set(lw!);
      weightedRowSum(G, T, d, w, out);
      return;
    }
    const K = this.gramChecked(G, T, d);
    if (lw) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) K[i * T + j] *= lw[i] * lw[j];
    const note = imtlgWeights(K, T, w);
    if (note) this.note(ctx, note);
    if (lw) for (let t = 0; t < T; t++) w[t] *= lw[t];
    weightedRowSum(G, T, d, w, out);
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
    const s = numArray(this.id, state.s ?? [], 's');
    this.reset();
    if (s.length === 0) return;
    this.s = Float64Array.from(s);
    this.adam = new ScalarAdam(s.length, this.options.lr as number);
    if (state.adam) this.adam.setState(this.id, state.adam);
  }
}
